/**
 * The IPC contract between this UI and the Tauri shell, and its implementation over `invoke`.
 *
 * Every command the UI uses is listed in {@link TasklyApi}; the Rust side implements exactly these
 * names and argument shapes. Errors reject with an `ErrorPayload` (see `toErrorPayload`).
 * The plaintext key travels one way only: into `add_key` and `replace_key_secret`. Nothing here
 * ever returns a secret (the import commands name finds by id and show them masked; the clipboard
 * commands only say whether the clipboard holds the key just saved), and no command carries a sign-in token (the shell never sends one).
 */
import { Channel, invoke } from '@tauri-apps/api/core';
import type {
  AccountView,
  AuthStatus,
  ChatEvent,
  ChatRequest,
  FilePlan,
  ImportOutcome,
  Message,
  Role,
  KeyInfo,
  KeySaved,
  ProviderBalance,
  ProviderSpec,
  Receipt,
  ScanReport,
  ScrubMode,
  ScrubOutcome,
  SignedIn,
  SignedOut,
  UsageRow,
} from '../bindings/core';
import type {
  AppInfo,
  KeyChange,
  NewKeyForm as AddKeyForm,
  Settings as AppSettings,
  SignInForm,
  SignInProgress,
} from '../bindings/commands';
import { toErrorPayload } from './errors';

// The shapes of the shell's own IPC types, generated from src-tauri (`forms.rs`).
export type {
  AppInfo,
  KeyChange,
  NewKeyForm as AddKeyForm,
  Settings as AppSettings,
  SignInForm,
  SignInProgress,
} from '../bindings/commands';

// The chat request and its events, generated from the core (`chat.rs`, `chat/run.rs`).
export type ChatRole = Role;
export type ChatMessage = Message;
/** `chat_start`'s request: the core's `ChatRequest`. */
export type ChatStartRequest = ChatRequest;
/** What arrives on the chat channel: the core's events, the last of them `failed` if it failed. */
export type ChatStreamEvent = ChatEvent;

/**
 * `clipboard_offer`'s answer, right after a key was saved from the app: whether the system
 * clipboard still holds the key just saved (the shell compares; the web view never reads the
 * clipboard), and in how many seconds the shell clears it by itself unless it changes.
 */
export interface ClipboardOffer {
  holds_key: boolean;
  clears_in_secs: number | null;
}

/** The commands the UI calls. `createTauriApi` talks to Rust; `mock.ts` stands in for it. */
export interface TasklyApi {
  listProviders(): Promise<ProviderSpec[]>;
  listKeys(): Promise<KeyInfo[]>;
  addKey(form: AddKeyForm): Promise<KeySaved>;
  updateKey(id: string, change: KeyChange): Promise<KeySaved>;
  replaceKeySecret(id: string, secret: string, verify: boolean): Promise<KeySaved>;
  setKeyEnabled(id: string, enabled: boolean): Promise<KeySaved>;
  /** Makes a key its provider's last backup (tried in order after the key in use fails). */
  setBackup(id: string): Promise<KeySaved>;
  removeKey(id: string): Promise<KeyInfo>;
  validateKey(id: string): Promise<KeyInfo>;
  getSettings(): Promise<AppSettings>;
  setFallbackToTaskly(enabled: boolean): Promise<AppSettings>;
  usageReport(days: number): Promise<UsageRow[]>;
  /** The receipts of the newest `count` requests, newest first. */
  recentRequests(count: number): Promise<Receipt[]>;
  /**
   * What the key's provider itself says about its spend (the stored reading while it is under an
   * hour old, unless `refresh`); `null` when the provider has no call a normal key may use.
   */
  providerBalance(id: string, refresh: boolean): Promise<ProviderBalance | null>;
  appInfo(): Promise<AppInfo>;
  /** Starts a chat; resolves with the request id as soon as it is running. */
  chatStart(request: ChatStartRequest, onEvent: (event: ChatStreamEvent) => void): Promise<string>;
  chatCancel(requestId: string): Promise<void>;
  /** Opens a web page in the system browser; the web view never navigates itself. */
  openExternal(url: string): Promise<void>;
  /** Subscribes to the global shortcut's `palette://open` event; returns the unsubscribe. */
  onPaletteOpen(handler: () => void): Promise<() => void>;
  /** Who is signed in to Taskly, and which account's keys are in use. */
  authStatus(): Promise<AuthStatus>;
  /**
   * Signs in through the system browser: `onProgress` gets the sign-in page's address (to show
   * and copy) once the browser was asked to open it; resolves when the browser came back and the
   * account is active (the shell has reopened its services for it), rejects with `cancelled`
   * after {@link cancelSignIn}.
   */
  signIn(form: SignInForm, onProgress: (progress: SignInProgress) => void): Promise<SignedIn>;
  cancelSignIn(): Promise<void>;
  /** Makes another signed-in account (by name, email or id) the active one. */
  switchAccount(name: string): Promise<AccountView>;
  /** Signs out the active account, or all of them. */
  signOut(all: boolean): Promise<SignedOut>;
  /** The answer to the first sign-in's question about the local keys; resolves with how many moved. */
  adoptLocalKeys(accountId: string, adopt: boolean): Promise<number>;
  /**
   * Scans this computer, read-only, for keys other tools left in plaintext (the shell keeps the
   * secrets; the report holds only masked keys). Each call scans afresh.
   */
  importScan(): Promise<ScanReport>;
  /** Imports the picked finds of the last scan, each checked with its provider unless `verify` is off. */
  importKeys(ids: string[], verify: boolean): Promise<ImportOutcome[]>;
  /** Exactly which lines removing the finds' plaintext copies would change (the keys masked). */
  scrubPreview(ids: string[], mode: ScrubMode): Promise<FilePlan[]>;
  /** Rewrites those files; the shell scans again afterwards (call {@link importScan} for the new list). */
  scrubApply(ids: string[], mode: ScrubMode): Promise<ScrubOutcome[]>;
  /** Drops the last scan's secrets from the shell's memory (when the import dialog closes). */
  importForget(): Promise<void>;
  /** Right after a key was saved from the app: whether the clipboard still holds it. */
  clipboardOffer(): Promise<ClipboardOffer>;
  /** Clears the clipboard now if it still holds that key; `true` when it cleared it. */
  clipboardClear(): Promise<boolean>;
}

/** The event the shell emits when its global shortcut fires. */
export const PALETTE_OPEN_EVENT = 'palette://open';

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toErrorPayload(error);
  }
}

/** The real implementation, over Tauri's IPC. */
export function createTauriApi(): TasklyApi {
  return {
    listProviders: () => call('list_providers'),
    listKeys: () => call('list_keys'),
    addKey: (form) => call('add_key', { form }),
    updateKey: (id, change) => call('update_key', { id, change }),
    replaceKeySecret: (id, secret, verify) => call('replace_key_secret', { id, secret, verify }),
    setKeyEnabled: (id, enabled) => call('set_key_enabled', { id, enabled }),
    setBackup: (id) => call('set_backup', { id }),
    removeKey: (id) => call('remove_key', { id }),
    validateKey: (id) => call('validate_key', { id }),
    getSettings: () => call('get_settings'),
    setFallbackToTaskly: (enabled) => call('set_fallback_to_taskly', { enabled }),
    usageReport: (days) => call('usage_report', { days }),
    recentRequests: (count) => call('recent_requests', { count }),
    providerBalance: (id, refresh) => call('provider_balance', { id, refresh }),
    appInfo: () => call('app_info'),
    chatStart: (request, onEvent) => {
      const channel = new Channel<ChatStreamEvent>();
      channel.onmessage = onEvent;
      return call<string>('chat_start', { request, onEvent: channel });
    },
    chatCancel: (requestId) => call('chat_cancel', { requestId }),
    openExternal: (url) => call('open_external', { url }),
    authStatus: () => call('auth_status'),
    signIn: (form, onProgress) => {
      const channel = new Channel<SignInProgress>();
      channel.onmessage = onProgress;
      return call<SignedIn>('sign_in', { form, onProgress: channel });
    },
    cancelSignIn: () => call('cancel_sign_in'),
    switchAccount: (name) => call('switch_account', { name }),
    signOut: (all) => call('sign_out', { all }),
    adoptLocalKeys: (accountId, adopt) => call('adopt_local_keys', { accountId, adopt }),
    importScan: () => call('import_scan'),
    importKeys: (ids, verify) => call('import_keys', { ids, verify }),
    scrubPreview: (ids, mode) => call('scrub_preview', { ids, mode }),
    scrubApply: (ids, mode) => call('scrub_apply', { ids, mode }),
    importForget: () => call('import_forget'),
    clipboardOffer: () => call('clipboard_offer'),
    clipboardClear: () => call('clipboard_clear'),
    onPaletteOpen: async (handler) => {
      const { listen } = await import('@tauri-apps/api/event');
      return listen(PALETTE_OPEN_EVENT, () => handler());
    },
  };
}
