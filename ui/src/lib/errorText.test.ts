// The one headline table: every code's headline when saving a key and in a chat turn, exactly as
// the form and the palette showed them before the two tables became one.
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../bindings/core';
import { errorPayload } from '../ipc/errors';
import { errorHeadline } from './errorText';

/** [saving a key, a chat turn], for a provider named "OpenAI". */
const EXPECTED: Record<ErrorCode, [string, string]> = {
  invalid_key_input: ['This key cannot be used as it is', 'The request failed'],
  unknown_provider: ['The key was not saved', 'The request failed'],
  invalid_base_url: ['Check the base URL', 'The request failed'],
  base_url_required: ['Check the base URL', 'The request failed'],
  invalid_label: ['The key was not saved', 'The request failed'],
  invalid_account: ['The key was not saved', 'The request failed'],
  key_not_found: ['The key was not saved', 'The request failed'],
  credential_store_unavailable: ["The key couldn't be stored", 'Credential store problem'],
  credential_store_locked: ["The key couldn't be stored", 'Credential store problem'],
  credential_store_timeout: ["The key couldn't be stored", 'Credential store problem'],
  credential_store_failed: ["The key couldn't be stored", 'Credential store problem'],
  credential_missing: ['The key was not saved', 'Your key is missing from the credential store'],
  invalid_key: ['OpenAI refused this key', 'OpenAI refused your key'],
  provider_unreachable: ["Couldn't reach OpenAI", 'The request failed'],
  provider_timeout: ["Couldn't reach OpenAI", 'The request failed'],
  endpoint_not_found: ['Check the base URL', 'The request failed'],
  provider_error: ['OpenAI had a problem checking the key', 'The request failed'],
  data_dir_unusable: ['The key was not saved', 'The request failed'],
  database_error: ['The key was not saved', 'The request failed'],
  database_too_new: ['The key was not saved', 'The request failed'],
  database_corrupt: ['The key was not saved', 'The request failed'],
  invalid_config: ['The key was not saved', 'The request failed'],
  confirmation_required: ['The key was not saved', 'The request failed'],
  concurrent_change: ['The key was not saved', 'The request failed'],
  rate_limited: ['The key was not saved', 'Rate limited'],
  quota_exhausted: ['The key was not saved', 'Out of quota or credit'],
  model_not_available: ['The key was not saved', 'Model not available'],
  upstream_outage: ['The key was not saved', 'OpenAI is having trouble'],
  request_refused: ['The key was not saved', 'The request failed'],
  network_error: ['The key was not saved', 'Could not connect'],
  untrusted_certificate: ["OpenAI's certificate is not trusted", 'Certificate not trusted'],
  upstream_timeout: ['The key was not saved', 'No answer in time'],
  stream_cut: ['The key was not saved', 'The answer was cut off'],
  bad_response: ['The key was not saved', 'The request failed'],
  proxy_token_rejected: ['The key was not saved', 'Taskly sign-in needed'],
  proxy_token_missing: ['The key was not saved', 'Taskly sign-in needed'],
  unsafe_route: ['Refused: that address is Taskly’s, and your key never goes to Taskly', 'Refused: your key would have gone to Taskly'],
  budget_exceeded: ['The key was not saved', 'Budget used up'],
  cancelled: ['The key was not saved', 'The request failed'],
  internal: ['The key was not saved', 'The request failed'],
  key_origin_changed: ["This key's address changed outside Taskly", "Your key's address changed outside Taskly"],
  invalid_chat_request: ['The key was not saved', 'This question cannot be sent'],
  prompt_has_secret: ['The key was not saved', 'Not sent: this looks like an API key'],
  import_not_found: ['Not imported: scan again', 'The request failed'],
  sign_in_required: ['The key was not saved', 'Sign in to ask through Taskly'],
  sign_in_failed: ['The key was not saved', 'Taskly sign-in needed'],
  sign_in_rejected: ['The key was not saved', 'Taskly sign-in needed'],
  sign_in_timed_out: ['The key was not saved', 'Taskly sign-in needed'],
  auth_unreachable: ['The key was not saved', "Couldn't reach Taskly's sign-in service"],
  account_not_found: ['The key was not saved', 'Taskly sign-in needed'],
};

describe('errorHeadline', () => {
  it.each(Object.entries(EXPECTED))('words %s for saving a key and for a chat turn', (code, [save, chat]) => {
    const error = errorPayload(code as ErrorCode, 'message');
    expect(errorHeadline(error, 'OpenAI', 'save')).toBe(save);
    expect(errorHeadline(error, 'OpenAI', 'chat')).toBe(chat);
  });

  it('says which side of a chat is having trouble', () => {
    const viaTaskly = errorPayload('upstream_outage', 'message', { via_taskly: true });
    expect(errorHeadline(viaTaskly, 'OpenAI', 'chat')).toBe('Taskly is having trouble');
    expect(errorHeadline(viaTaskly, 'OpenAI', 'save')).toBe('The key was not saved');
  });

  it('has its own words for the sign-in codes in the Account section, and the chat words for the rest', () => {
    const account = (code: ErrorCode) => errorHeadline(errorPayload(code, 'message'), 'OpenAI', 'account');
    expect(account('sign_in_timed_out')).toBe('Signing in took too long');
    expect(account('sign_in_rejected')).toBe('Signing in was stopped for your safety');
    expect(account('sign_in_failed')).toBe('Signing in did not finish');
    expect(account('auth_unreachable')).toBe("Couldn't reach Taskly's sign-in service");
    expect(account('network_error')).toBe('Could not connect');
    expect(errorHeadline(errorPayload('some_new_code' as ErrorCode, 'm'), 'OpenAI', 'account')).toBe('The request failed');
  });

  it('gives a code it does not know (a newer shell) the general headline', () => {
    for (const code of ['some_new_code', 'constructor', 'toString', '__proto__']) {
      const error = errorPayload(code as ErrorCode, 'message');
      expect(errorHeadline(error, 'OpenAI', 'save')).toBe('The key was not saved');
      expect(errorHeadline(error, 'OpenAI', 'chat')).toBe('The request failed');
    }
  });
});
