/**
 * The mock's key commands: list, add, update, replace, switch on and off, make a backup, remove,
 * validate (which ends a rest when the key passes), and the provider's own figures. The
 * plaintext of a key is read once (to pick its scripted behaviour and build the masked hint) and
 * dropped; input rules and their errors are the core's, from the generated bindings.
 */
import type { ErrorPayload, KeyInfo, KeySaved, ProviderBalance, ProviderSpec } from '../../bindings/core';
import { BASE_URL_REQUIRED, KEY_RULE_ERRORS } from '../../bindings/registry';
import { baseUrlProblem, checkKey, hostOf, labelProblem, trimKey } from '../../lib/keyHygiene';
import type { AddKeyForm, KeyChange, TasklyApi } from '../commands';
import { errorPayload } from '../errors';
import { copyKey, copySpec, maskKey, mockBalance, MOCK_PROVIDERS, nextUtcDay, providerSpec } from './data';
import { behaviourOf, lockedStoreError, validate } from './faults';
import { now, type MockState, type StoredKey } from './state';

type KeyCommands = Pick<
  TasklyApi,
  | 'listProviders'
  | 'listKeys'
  | 'addKey'
  | 'updateKey'
  | 'replaceKeySecret'
  | 'setKeyEnabled'
  | 'setBackup'
  | 'removeKey'
  | 'validateKey'
  | 'providerBalance'
>;

let idCounter = 0;
function newId(): string {
  idCounter += 1;
  const rand = Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0');
  return `k_${rand}${idCounter.toString(16).padStart(4, '0')}`.slice(0, 12);
}

function checkSecret(secret: string): string {
  const rule = checkKey(secret);
  // The core's own error for the rule, as the shell would send it.
  if (rule) throw { ...KEY_RULE_ERRORS[rule] } satisfies ErrorPayload;
  return trimKey(secret);
}

function resolveBaseUrl(provider: ProviderSpec, given: string | null): string {
  const url = given?.trim() || provider.default_base_url;
  if (!url) {
    const required = BASE_URL_REQUIRED[provider.id];
    throw required
      ? { ...required }
      : errorPayload('internal', `${provider.name} has no default base URL.`, { action: 'report_bug' });
  }
  const problem = baseUrlProblem(url);
  if (problem) {
    throw errorPayload('invalid_base_url', `The base URL cannot be used: ${problem}`, {
      action: 'check_base_url',
      provider: provider.id,
    });
  }
  return url.replace(/\/+$/, '');
}

function shapeWarnings(provider: ProviderSpec, secret: string): string[] {
  if (provider.key_prefixes.length === 0 || provider.key_prefixes.some((p) => secret.startsWith(p))) return [];
  const list = provider.key_prefixes.map((p) => `"${p}"`).join(' or ');
  return [`${provider.name} keys usually start with ${list}; this one does not. Check that you picked the right provider.`];
}

const UNCHECKED_WARNING = 'Saved without checking. Taskly Desktop checks it the first time it is used.';

/** Switches `target` on and every other key of its provider off; returns the one switched off. */
function enableOnly(keys: StoredKey[], target: StoredKey): KeyInfo | null {
  let disabled: KeyInfo | null = null;
  for (const other of keys) {
    if (other !== target && other.info.provider === target.info.provider && other.info.enabled) {
      other.info.enabled = false;
      other.info.updated_at = now();
      disabled = copyKey(other.info);
    }
  }
  target.info.enabled = true;
  target.info.backup_rank = null;
  return disabled;
}

/**
 * Checks, "validates" and stores a new key as `add_key` does; `import_keys` stores its picks the
 * same way. The plaintext is used here, in this function, and nowhere else.
 */
export async function storeNewKey(state: MockState, form: AddKeyForm): Promise<KeySaved> {
  const { keys } = state;
  const provider = providerSpec(form.provider);
  const secret = checkSecret(form.secret);
  const label = form.label ?? '';
  const labelIssue = labelProblem(label);
  if (labelIssue) throw errorPayload('invalid_label', labelIssue, { action: 'fix_input' });
  const baseUrl = resolveBaseUrl(provider, form.baseUrl);
  await state.wait();
  const behaviour = behaviourOf(secret);
  if (behaviour === 'locked') throw lockedStoreError(state.storeName);
  const outcome = await validate(state, provider, baseUrl, behaviour, form.verify);
  state.checkStore();
  const t = now();
  const stored: StoredKey = {
    behaviour,
    info: {
      id: newId(),
      provider: provider.id,
      provider_name: provider.name,
      label: label.trim() || `${provider.name} key`,
      base_url: baseUrl,
      custom_base_url: baseUrl !== provider.default_base_url,
      masked: maskKey(provider, secret),
      enabled: false,
      verification: outcome.verification,
      verification_note: outcome.note,
      verified_at: form.verify ? t : null,
      models: outcome.models ?? [],
      created_at: t,
      updated_at: t,
      last_used_at: null,
      backup_rank: null,
      rest: null,
    },
  };
  keys.push(stored);
  const disabled = form.enable ? enableOnly(keys, stored) : null;
  const warnings = shapeWarnings(provider, secret);
  if (!form.verify) warnings.push(UNCHECKED_WARNING);
  return { key: copyKey(stored.info), warnings, disabled };
}

export function keyCommands(state: MockState): KeyCommands {
  const { keys } = state;

  /** A fresh reading of the provider's figures for `key`, stored (the core's `fetch_and_store`). */
  function readBalance(key: StoredKey): ProviderBalance | null {
    const provider = providerSpec(key.info.provider);
    if (!provider.balance_call) return null;
    if (key.behaviour === 'invalid') {
      throw errorPayload('invalid_key', `${provider.name} refused this key (HTTP 401) when asked for its figures.`, {
        action: 'update_key',
        provider: provider.id,
      });
    }
    const readings = state.balanceReadings.get(key.info.id) ?? 0;
    const reading = mockBalance(provider, readings);
    state.balanceReadings.set(key.info.id, readings + 1);
    if (reading) state.balances.set(key.info.id, reading);
    return reading;
  }

  return {
    async listProviders() {
      state.record('list_providers', {});
      await state.wait();
      return MOCK_PROVIDERS.map(copySpec);
    },

    async listKeys() {
      state.record('list_keys', {});
      await state.wait();
      return keys.map((k) => copyKey(k.info));
    },

    async addKey(form: AddKeyForm): Promise<KeySaved> {
      state.record('add_key', { form });
      const saved = await storeNewKey(state, form);
      // The key was most likely pasted: the mock's clipboard holds it until cleared or 60 s pass.
      state.clipboard.holdsSince = Date.now();
      return saved;
    },

    async updateKey(id: string, change: KeyChange): Promise<KeySaved> {
      state.record('update_key', { id, change });
      const key = state.find(id);
      const provider = providerSpec(key.info.provider);
      if (change.label !== null) {
        const issue = labelProblem(change.label);
        if (issue) throw errorPayload('invalid_label', issue, { action: 'fix_input' });
      }
      const newBase = change.baseUrl === null ? key.info.base_url : resolveBaseUrl(provider, change.baseUrl);
      await state.wait();
      const hostChanged = hostOf(newBase) !== hostOf(key.info.base_url);
      if (hostChanged && !change.verify) {
        throw errorPayload(
          'confirmation_required',
          'Moving a key to another host needs it to be checked again there. Save with checking.',
          { action: 'fix_input', provider: provider.id },
        );
      }
      if (change.verify) {
        const outcome = await validate(state, provider, newBase, key.behaviour, true);
        key.info.verification = outcome.verification;
        key.info.verification_note = outcome.note;
        key.info.verified_at = now();
        if (outcome.models) key.info.models = outcome.models;
      }
      if (change.label !== null) key.info.label = change.label.trim() || `${provider.name} key`;
      key.info.base_url = newBase;
      key.info.custom_base_url = newBase !== provider.default_base_url;
      key.info.updated_at = now();
      return { key: copyKey(key.info), warnings: [], disabled: null };
    },

    async replaceKeySecret(id: string, secretInput: string, verify: boolean): Promise<KeySaved> {
      state.record('replace_key_secret', { id, secret: secretInput, verify });
      const key = state.find(id);
      const provider = providerSpec(key.info.provider);
      const secret = checkSecret(secretInput);
      await state.wait();
      const behaviour = behaviourOf(secret);
      const outcome = await validate(state, provider, key.info.base_url, behaviour, verify);
      state.checkStore();
      key.behaviour = behaviour;
      key.info.masked = maskKey(provider, secret);
      // A new secret starts afresh: the old one's rest was about the old secret.
      key.info.rest = null;
      key.info.verification = outcome.verification;
      key.info.verification_note = outcome.note;
      key.info.verified_at = verify ? now() : null;
      if (outcome.models) key.info.models = outcome.models;
      key.info.updated_at = now();
      const warnings = shapeWarnings(provider, secret);
      if (!verify) warnings.push(UNCHECKED_WARNING);
      state.clipboard.holdsSince = Date.now();
      return { key: copyKey(key.info), warnings, disabled: null };
    },

    async setKeyEnabled(id: string, enabled: boolean): Promise<KeySaved> {
      state.record('set_key_enabled', { id, enabled });
      const key = state.find(id);
      await state.wait();
      let disabled: KeyInfo | null = null;
      if (enabled) disabled = enableOnly(keys, key);
      else {
        key.info.enabled = false;
        key.info.backup_rank = null;
      }
      key.info.updated_at = now();
      return { key: copyKey(key.info), warnings: [], disabled };
    },

    async setBackup(id: string): Promise<KeySaved> {
      state.record('set_backup', { id });
      const key = state.find(id);
      await state.wait();
      if (key.info.backup_rank === null) {
        const ranks = keys.filter((k) => k.info.provider === key.info.provider).map((k) => k.info.backup_rank ?? 0);
        key.info.backup_rank = Math.max(0, ...ranks) + 1;
        key.info.enabled = false;
        key.info.updated_at = now();
      }
      return { key: copyKey(key.info), warnings: [], disabled: null };
    },

    async providerBalance(id: string, refresh: boolean): Promise<ProviderBalance | null> {
      state.record('provider_balance', { id, refresh });
      const key = state.find(id);
      await state.wait();
      const stored = state.balances.get(id);
      const fresh = stored && Date.now() - Date.parse(stored.fetched_at) < 3_600_000;
      if (!refresh && fresh) return structuredClone(stored);
      return structuredClone(readBalance(key));
    },

    async removeKey(id: string): Promise<KeyInfo> {
      state.record('remove_key', { id });
      const key = state.find(id);
      await state.wait();
      state.checkStore();
      keys.splice(keys.indexOf(key), 1);
      return copyKey(key.info);
    },

    async validateKey(id: string): Promise<KeyInfo> {
      state.record('validate_key', { id });
      const key = state.find(id);
      const provider = providerSpec(key.info.provider);
      await state.wait();
      try {
        const outcome = await validate(state, provider, key.info.base_url, key.behaviour, true);
        key.info.verification = outcome.verification;
        key.info.verification_note = outcome.note;
        if (outcome.models) key.info.models = outcome.models;
        // Checking again is what ends a rest; a key still out of quota keeps resting.
        if (outcome.verification === 'verified') key.info.rest = null;
        if (outcome.verification === 'quota_exhausted') {
          key.info.rest = { cause: 'quota', until: nextUtcDay(), seconds_left: null, note: outcome.note };
        }
        if (outcome.verification !== 'quota_exhausted') {
          // "Check again" also reads the provider's own figures, where it has the call.
          try {
            readBalance(key);
          } catch {
            // As in the core: a failed reading leaves the check's outcome as it is.
          }
        }
      } catch (e) {
        const err = e as ErrorPayload;
        if (err.code !== 'invalid_key') throw err;
        key.info.verification = 'invalid';
        key.info.verification_note = err.message;
        key.info.rest = { cause: 'invalid', until: null, seconds_left: null, note: err.message };
      }
      key.info.verified_at = now();
      return copyKey(key.info);
    },
  };
}
