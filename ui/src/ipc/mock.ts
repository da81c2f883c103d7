/**
 * An in-memory stand-in for the Tauri shell, implementing {@link TasklyApi}. Vitest, the Chromium
 * tests and `npm run dev` in a plain browser use it. Nothing is persisted, and the plaintext of
 * a key is read once (to decide how "validation" goes and to build the masked hint) and dropped.
 * What the core decides on its own (the provider registry, default models, the key input errors,
 * the masking rule) comes from the core through the generated `bindings/registry.ts`, not copies.
 *
 * This file assembles the mock from its parts under `mock/`: `state.ts` (what one mock holds),
 * `data.ts` (providers, models, masking, the demo seed), `keys.ts`, `chat.ts`, `app.ts`,
 * `account.ts` and `import.ts` (the commands; `machine.ts` is the computer `import_scan` reads), `faults.ts` (the scripted failures) and `options.ts`.
 *
 * Scripting, for demos and tests:
 * - A key containing `invalid` is refused (`invalid_key`); `offline` makes the provider
 *   unreachable (`retry_or_save_without_checking`); `timeout` times out; `ratelimit` and `quota`
 *   save it with that note; `locked` fails with a locked credential store.
 * - A question containing `#ratelimit`, `#quota`, `#invalid`, `#outage`, `#network`, `#certificate`, `#cut`,
 *   `#model` fails that way (once per identical question, so Retry then works); `#retry` shows
 *   a retry before answering; `#slow` streams slowly; `#markdown` answers with rich Markdown.
 * - Backups (`?seed=backups`: Main in use, Work and Spare its backups): a `#ratelimit`, `#quota`
 *   or `#invalid` question rests the key in use as the core does and the next free backup answers
 *   (a `failing_over` event, then `started`; a key without backups is not rested, so the
 *   single-key flows show each failure as before); `?seed=rests` starts with Main rate-limited for
 *   `?wait=` s (18), Work out of quota, Old refused as invalid, Spare free. OpenRouter and
 *   DeepSeek keys have their provider's figures (`provider_balance`); every request leaves a
 *   receipt (`finished.receipt`, `recent_requests`).
 * - The prompt guard: a question whose last message holds something key-shaped (`sk-`, `sk-ant-`,
 *   `gsk_`, `xai-`, `AIza` and 20 or more key characters) fails with `prompt_has_secret` before
 *   anything is sent, unless `allow_secrets` is set ("Send anyway").
 * - Import (`mock/machine.ts`): `import_scan` finds an OpenAI key in `~/.bashrc` line 12 that is
 *   also in the environment, an Anthropic key in `~/.continue/config.yaml`, an Anthropic key in
 *   `~/.claude/settings.json` that `?seed=demo` already holds, and a Mistral key only in the
 *   environment whose provider is unreachable (import it without checking); a Goose file is passed
 *   over. `?scan=empty` finds nothing. Removing plaintext copies follows the core's rules (held
 *   keys only, no comments in JSON, the environment cannot be changed) and scans again.
 * - Clipboard: after `add_key` or `replace_key_secret` the clipboard "holds" that key for 60 s
 *   (`clipboard_offer`), until `clipboard_clear` or `copyToClipboard()`.
 * - A question containing `#signin` fails once with `sign_in_required` when it goes through Taskly.
 * - Sign-in: the "browser" finishes after `signIn` ms (URL mode: 2.5 s, 0.9 s with
 *   `speed=fast`), or when a test calls `completeSignIn` (`signIn: 'manual'`, the default for
 *   tests). The first sign-in is Ana's; "Add another account" (a fresh login) is Bob's.
 * - URL parameters (dev and Chromium tests only): `?seed=demo` starts with two keys,
 *   `?store=broken` makes the credential store fail, `?fallback=on`, `?speed=fast`, `?demo=on`
 *   ("Taskly" is the shell's local demo service), `?account=ana` (start signed in),
 *   `?taskly=signin` (Taskly needs a sign-in), `?signin=manual|fail|<ms>`, `?browser=fails`,
 *   `?revoke=unreachable`, `?scan=empty`.
 */
import type { KeyInfo } from '../bindings/core';
import type { TasklyApi } from './commands';
import { accountCommands, startSignedIn, type SignInControls } from './mock/account';
import { appCommands } from './mock/app';
import { chatCommands } from './mock/chat';
import { copyKey } from './mock/data';
import { importCommands } from './mock/import';
import { keyCommands } from './mock/keys';
import type { MockOptions } from './mock/options';
import { createState } from './mock/state';

export { MOCK_PROVIDERS, maskKey } from './mock/data';
export { mockOptionsFromUrl, type MockOptions } from './mock/options';
export type { Person } from './mock/account';

/** The mock, plus what tests need to look inside it. */
export interface MockApi extends TasklyApi, SignInControls {
  /** Every command called, in order, with secrets replaced by `[redacted]`. */
  readonly calls: { command: string; args: unknown }[];
  /** Simulates the global shortcut. */
  emitPaletteOpen(): void;
  /** Breaks or repairs the credential store. */
  setCredentialStoreWorking(working: boolean): void;
  /** Current keys (copies). */
  snapshot(): KeyInfo[];
  /** The person copies something else: the clipboard no longer holds the key just saved. */
  copyToClipboard(): void;
}

export function createMockApi(options: MockOptions = {}): MockApi {
  const state = createState(options);
  if (options.signedIn) startSignedIn(state);
  return {
    calls: state.calls,
    emitPaletteOpen: () => state.paletteHandlers.forEach((h) => h()),
    setCredentialStoreWorking: (working) => {
      state.storeWorking = working;
    },
    snapshot: () => state.keys.map((k) => copyKey(k.info)),
    copyToClipboard: () => {
      state.clipboard.holdsSince = null;
    },
    ...keyCommands(state),
    ...importCommands(state),
    ...appCommands(state),
    ...chatCommands(state),
    ...accountCommands(state),
  };
}
