/**
 * The headline over an error, one table for the whole UI: the key form ("the key was not saved,
 * because…") and a chat turn ("the request failed, because…") word the same code differently, so
 * each code has both. The table is a `Record<ErrorCode, …>` over the generated type: a code the
 * core gains fails the type check here until it has a headline in both places. The Account
 * section and the sign-in dialog (`account`) have their own words for the sign-in codes and use
 * the chat wording for the rest.
 */
import type { ErrorCode, ErrorPayload } from '../bindings/core';

/** Where the error is shown: the result of saving or replacing a key, a chat turn, or signing in. */
export type ErrorContext = 'save' | 'chat' | 'account';

/** A fixed headline, or one that names the provider (`provider` is its display name). */
type Wording = string | ((provider: string, error: ErrorPayload) => string);

interface Headlines {
  save: Wording;
  chat: Wording;
  /** Signing in, switching or signing out; the chat wording when absent. */
  account?: Wording;
}

/** What a code without a headline of its own says. */
const KEY_NOT_SAVED = 'The key was not saved';
const REQUEST_FAILED = 'The request failed';
const FALLBACK: Headlines = { save: KEY_NOT_SAVED, chat: REQUEST_FAILED };

const HEADLINES: Record<ErrorCode, Headlines> = {
  // Input and the key's own record.
  invalid_key_input: { save: 'This key cannot be used as it is', chat: REQUEST_FAILED },
  unknown_provider: FALLBACK,
  invalid_base_url: { save: 'Check the base URL', chat: REQUEST_FAILED },
  base_url_required: { save: 'Check the base URL', chat: REQUEST_FAILED },
  invalid_label: FALLBACK,
  invalid_account: FALLBACK,
  key_not_found: FALLBACK,
  confirmation_required: FALLBACK,
  concurrent_change: FALLBACK,
  // The system's credential store.
  credential_store_unavailable: { save: "The key couldn't be stored", chat: 'Credential store problem' },
  credential_store_locked: { save: "The key couldn't be stored", chat: 'Credential store problem' },
  credential_store_timeout: { save: "The key couldn't be stored", chat: 'Credential store problem' },
  credential_store_failed: { save: "The key couldn't be stored", chat: 'Credential store problem' },
  credential_missing: { save: KEY_NOT_SAVED, chat: 'Your key is missing from the credential store' },
  // Checking a key with its provider.
  invalid_key: { save: (p) => `${p} refused this key`, chat: (p) => `${p} refused your key` },
  provider_unreachable: { save: (p) => `Couldn't reach ${p}`, chat: REQUEST_FAILED },
  provider_timeout: { save: (p) => `Couldn't reach ${p}`, chat: REQUEST_FAILED },
  endpoint_not_found: { save: 'Check the base URL', chat: REQUEST_FAILED },
  provider_error: { save: (p) => `${p} had a problem checking the key`, chat: REQUEST_FAILED },
  untrusted_certificate: { save: (p) => `${p}'s certificate is not trusted`, chat: 'Certificate not trusted' },
  // The app's own files.
  data_dir_unusable: FALLBACK,
  database_error: FALLBACK,
  database_too_new: FALLBACK,
  database_corrupt: FALLBACK,
  invalid_config: FALLBACK,
  // A chat request.
  rate_limited: { save: KEY_NOT_SAVED, chat: 'Rate limited' },
  quota_exhausted: { save: KEY_NOT_SAVED, chat: 'Out of quota or credit' },
  model_not_available: { save: KEY_NOT_SAVED, chat: 'Model not available' },
  upstream_outage: {
    save: KEY_NOT_SAVED,
    chat: (p, error) => (error.via_taskly ? 'Taskly is having trouble' : `${p} is having trouble`),
  },
  request_refused: FALLBACK,
  network_error: { save: KEY_NOT_SAVED, chat: 'Could not connect' },
  upstream_timeout: { save: KEY_NOT_SAVED, chat: 'No answer in time' },
  stream_cut: { save: KEY_NOT_SAVED, chat: 'The answer was cut off' },
  bad_response: FALLBACK,
  proxy_token_rejected: { save: KEY_NOT_SAVED, chat: 'Taskly sign-in needed' },
  proxy_token_missing: { save: KEY_NOT_SAVED, chat: 'Taskly sign-in needed' },
  budget_exceeded: { save: KEY_NOT_SAVED, chat: 'Budget used up' },
  cancelled: FALLBACK,
  // Where a key may go.
  unsafe_route: {
    save: 'Refused: that address is Taskly’s, and your key never goes to Taskly',
    chat: 'Refused: your key would have gone to Taskly',
  },
  key_origin_changed: {
    save: "This key's address changed outside Taskly",
    chat: "Your key's address changed outside Taskly",
  },
  invalid_chat_request: { save: KEY_NOT_SAVED, chat: 'This question cannot be sent' },
  // Keys out of plaintext: the prompt guard, and an import that names a find the scan lacks.
  prompt_has_secret: { save: KEY_NOT_SAVED, chat: 'Not sent: this looks like an API key' },
  import_not_found: { save: 'Not imported: scan again', chat: REQUEST_FAILED },
  internal: FALLBACK,
  // Signing in to Taskly.
  sign_in_required: { save: KEY_NOT_SAVED, chat: 'Sign in to ask through Taskly', account: 'Not signed in to Taskly' },
  sign_in_failed: { save: KEY_NOT_SAVED, chat: 'Taskly sign-in needed', account: 'Signing in did not finish' },
  sign_in_rejected: { save: KEY_NOT_SAVED, chat: 'Taskly sign-in needed', account: 'Signing in was stopped for your safety' },
  sign_in_timed_out: { save: KEY_NOT_SAVED, chat: 'Taskly sign-in needed', account: 'Signing in took too long' },
  auth_unreachable: {
    save: KEY_NOT_SAVED,
    chat: "Couldn't reach Taskly's sign-in service",
    account: "Couldn't reach Taskly's sign-in service",
  },
  account_not_found: { save: KEY_NOT_SAVED, chat: 'Taskly sign-in needed', account: 'That account is not signed in here' },
};

/**
 * The headline for `error` shown in `context`; `providerName` is the display name of the provider
 * concerned. A code this UI does not know (a newer shell) gets the general headline.
 */
export function errorHeadline(error: ErrorPayload, providerName: string, context: ErrorContext): string {
  // Own properties only: the code comes over IPC, and "constructor" is not a headline.
  const known = Object.prototype.hasOwnProperty.call(HEADLINES, error.code);
  const headlines = known ? HEADLINES[error.code] : FALLBACK;
  const wording = context === 'account' ? (headlines.account ?? headlines.chat) : headlines[context];
  return typeof wording === 'string' ? wording : wording(providerName, error);
}
