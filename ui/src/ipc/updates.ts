/**
 * The update commands (`check_for_updates`, `download_update`, `install_update`) over IPC, and a
 * scripted stand-in for tests and the plain-browser dev mode. The shell does the checking,
 * the signature verification and the install; the UI only asks and shows. Errors reject with an
 * {@link UpdateErrorPayload} (a stable code, a message and an action), like the core's errors.
 */
import { Channel, invoke } from '@tauri-apps/api/core';
import type { DownloadProgress, UpdateCheck, UpdateErrorPayload } from '../bindings/updates';

export type { AvailableUpdate, DownloadProgress, UpdateCheck, UpdateErrorPayload } from '../bindings/updates';

export interface UpdatesApi {
  /** `background` is the quiet check at start: its failures are only logged by the shell. */
  checkForUpdates(background: boolean): Promise<UpdateCheck>;
  /** Downloads and verifies the update the last check found; resolves with its version. */
  downloadUpdate(onProgress: (progress: DownloadProgress) => void): Promise<string>;
  /** Installs the verified download; the app then restarts into the new version. */
  installUpdate(): Promise<void>;
}

export function isUpdateError(value: unknown): value is UpdateErrorPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string' && typeof v.action === 'string';
}

export function toUpdateError(error: unknown): UpdateErrorPayload {
  if (isUpdateError(error)) return error;
  const text = typeof error === 'string' ? error : error instanceof Error ? error.message : 'The update failed.';
  return { code: 'update_internal', message: text, action: 'retry' };
}

/** Refusals of the update itself (signature, version), as opposed to failures to reach the server. */
export function isRefusal(error: UpdateErrorPayload): boolean {
  return ['update_signature_invalid', 'update_signature_missing', 'update_version_mismatch', 'update_downgrade_refused'].includes(
    error.code,
  );
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toUpdateError(error);
  }
}

export function createTauriUpdatesApi(): UpdatesApi {
  return {
    checkForUpdates: (background) => call('check_for_updates', { background }),
    downloadUpdate: (onProgress) => {
      const channel = new Channel<DownloadProgress>();
      channel.onmessage = onProgress;
      return call('download_update', { onProgress: channel });
    },
    installUpdate: () => call('install_update'),
  };
}

/** What the stand-in does: nothing new (default), offer 0.2.0, or refuse its download. */
export type MockUpdateScript = 'none' | 'available' | 'tampered' | 'offline';

export function createMockUpdatesApi(script: MockUpdateScript = 'none', current = '0.1.0'): UpdatesApi & { installed: boolean } {
  const api = {
    installed: false,
    async checkForUpdates(): Promise<UpdateCheck> {
      if (script === 'offline') {
        throw {
          code: 'update_server_unreachable',
          message: 'Could not reach the update server: no connection. Check your connection and try again later.',
          action: 'retry',
        } satisfies UpdateErrorPayload;
      }
      if (script === 'none') return { currentVersion: current, available: null };
      return {
        currentVersion: current,
        available: { version: '0.2.0', notes: 'Faster key checks.\n- Fixes a crash on start', date: '2026-11-20T10:00:00Z' },
      };
    },
    async downloadUpdate(onProgress: (progress: DownloadProgress) => void): Promise<string> {
      const total = 4_000_000;
      for (let downloaded = 1_000_000; downloaded <= total; downloaded += 1_000_000) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        onProgress({ downloaded, total });
      }
      if (script === 'tampered') {
        throw {
          code: 'update_signature_invalid',
          message:
            "The update was refused: its signature does not match Taskly's signing key (the downloaded file does not match its signature). It may have been damaged or tampered with. Nothing was installed; your current version keeps working.",
          action: 'none',
        } satisfies UpdateErrorPayload;
      }
      return '0.2.0';
    },
    async installUpdate(): Promise<void> {
      api.installed = true;
    },
  };
  return api;
}

/** The real commands inside Tauri; the stand-in (`?update=available|tampered|offline`) elsewhere. */
export function defaultUpdatesApi(): UpdatesApi {
  if (typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window) return createTauriUpdatesApi();
  const script = typeof window !== 'undefined' ? new URLSearchParams(window.location.search).get('update') : null;
  const known: MockUpdateScript[] = ['available', 'tampered', 'offline'];
  return createMockUpdatesApi(known.includes(script as MockUpdateScript) ? (script as MockUpdateScript) : 'none');
}
