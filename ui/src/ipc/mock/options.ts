/** How a mock is set up: its delays, its credential store, its seed; and reading that from a URL. */

export interface MockOptions {
  /** Delay of every command, in ms. */
  latencyMs?: number;
  /** Extra delay of a validation call, so its progress state is visible. */
  validationMs?: number;
  /** Delay between streamed chunks. */
  chunkDelayMs?: number;
  /** Seconds a scripted rate limit asks to wait. */
  retryAfterSecs?: number;
  credentialStore?: string;
  credentialStoreWorking?: boolean;
  fallbackToTaskly?: boolean;
  seed?: 'none' | 'demo';
  /** Whether "Taskly" is the shell's local demo service (`app_info.demo`). */
  demo?: boolean;
}

/** Options from the page's URL (only ever used outside Tauri). */
export function mockOptionsFromUrl(search: string): MockOptions {
  const params = new URLSearchParams(search);
  const fast = params.get('speed') === 'fast';
  return {
    seed: params.get('seed') === 'demo' ? 'demo' : 'none',
    credentialStoreWorking: params.get('store') !== 'broken',
    fallbackToTaskly: params.get('fallback') === 'on',
    demo: params.get('demo') === 'on',
    latencyMs: fast ? 20 : 120,
    validationMs: fast ? 250 : 700,
    chunkDelayMs: fast ? 8 : 28,
  };
}
