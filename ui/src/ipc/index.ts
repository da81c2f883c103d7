/**
 * The one place that decides between the real shell and the in-memory mock: inside Tauri
 * (`window.__TAURI_INTERNALS__` present) the commands go over IPC; in a plain browser
 * (`npm run dev`, the Chromium tests) the mock answers. The mock is a separate chunk, loaded
 * only when it is used.
 */
import { createTauriApi, type TasklyApi } from './commands';

export type { TasklyApi } from './commands';

export function runningInTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

export async function loadApi(): Promise<TasklyApi> {
  if (runningInTauri()) return createTauriApi();
  const { createMockApi, mockOptionsFromUrl } = await import('./mock');
  return createMockApi(mockOptionsFromUrl(window.location.search));
}
