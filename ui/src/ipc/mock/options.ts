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
  /** `demo`: two keys; `backups`: keys in backup order with provider figures; `rests`: resting keys. */
  seed?: 'none' | 'demo' | 'backups' | 'rests';
  /** Whether "Taskly" is the shell's local demo service (`app_info.demo`). */
  demo?: boolean;
  /** Start signed in to Taskly as ana@example.com (the local keys question already answered). */
  signedIn?: boolean;
  /** The Taskly route fails with `sign_in_required` while no one is signed in. */
  requireSignIn?: boolean;
  /**
   * How the "browser" side of a sign-in goes: finishes by itself after this many ms, or waits
   * for `completeSignIn` / `failSignIn` (`'manual'`, the default), or is declined (`'fail'`).
   */
  signIn?: number | 'manual' | 'fail';
  /** The system browser cannot be opened: the window must offer the address to copy. */
  browserFails?: boolean;
  /** What `import_scan` finds on this "computer": a few keys (the default) or nothing. */
  scan?: 'keys' | 'empty';
  /** Sign-out cannot reach the sign-in service to revoke (the local session ends anyway). */
  revokeUnreachable?: boolean;
}

/** Options from the page's URL (only ever used outside Tauri). */
export function mockOptionsFromUrl(search: string): MockOptions {
  const params = new URLSearchParams(search);
  const fast = params.get('speed') === 'fast';
  const signIn = params.get('signin');
  return {
    seed: seedOf(params.get('seed')),
    retryAfterSecs: Number(params.get('wait')) > 0 ? Number(params.get('wait')) : undefined,
    credentialStoreWorking: params.get('store') !== 'broken',
    fallbackToTaskly: params.get('fallback') === 'on',
    demo: params.get('demo') === 'on',
    signedIn: params.get('account') === 'ana',
    requireSignIn: params.get('taskly') === 'signin',
    signIn: signIn === 'manual' || signIn === 'fail' ? signIn : Number(signIn) > 0 ? Number(signIn) : fast ? 900 : 2500,
    browserFails: params.get('browser') === 'fails',
    revokeUnreachable: params.get('revoke') === 'unreachable',
    scan: params.get('scan') === 'empty' ? 'empty' : 'keys',
    latencyMs: fast ? 20 : 120,
    validationMs: fast ? 250 : 700,
    chunkDelayMs: fast ? 8 : 28,
  };
}

function seedOf(value: string | null): MockOptions['seed'] {
  return value === 'demo' || value === 'backups' || value === 'rests' ? value : 'none';
}
