/**
 * One mock's mutable state, shared by its command groups (keys, chat, app, account): the stored
 * keys, usage, settings, the credential store's health, the signed-in accounts, the call log, and
 * the helpers every command uses.
 */
import type { AccountView, ErrorPayload, KeyInfo, ProviderBalance, Receipt, UsageRow } from '../../bindings/core';
import type { AppSettings } from '../commands';
import { errorPayload } from '../errors';
import { backupsSeed, demoSeed, restsSeed } from './data';
import type { Behaviour } from './faults';
import { createMachine, type Machine, type Scanned } from './machine';
import type { MockOptions } from './options';

/** A key as the mock keeps it: its public record and how it is scripted to behave (never the plaintext). */
export interface StoredKey {
  info: KeyInfo;
  behaviour: Behaviour;
}

export interface MockState {
  readonly options: MockOptions;
  /** Delay of every command, in ms. */
  readonly latency: number;
  readonly validationMs: number;
  readonly chunkDelay: number;
  readonly retryAfterSecs: number;
  /** The credential store's name, as `app_info` reports it. */
  readonly storeName: string;
  storeWorking: boolean;
  settings: AppSettings;
  /** The keys of the profile in use (the active account's, else the local profile's). */
  readonly keys: StoredKey[];
  readonly usage: UsageRow[];
  /** The receipts of the requests, newest first. */
  readonly receipts: Receipt[];
  /** The providers' own figures, by key id, and how many readings of each were taken. */
  readonly balances: Map<string, ProviderBalance>;
  readonly balanceReadings: Map<string, number>;
  /** Accounts signed in on this "machine", and the active one (`null`: the local profile). */
  readonly accounts: AccountView[];
  activeAccount: string | null;
  /** Whether the first sign-in's question about the local keys was answered. */
  localKeysAsked: boolean;
  /** The keys of the profiles not in use, by profile id (`local` or an account id). */
  readonly stashedKeys: Map<string, StoredKey[]>;
  /** The files and environment `import_scan` reads, and the last scan (until `import_forget`). */
  readonly machine: Machine;
  lastScan: Scanned | null;
  /** When the clipboard last got a key that was then saved (`null`: it holds something else). */
  readonly clipboard: { holdsSince: number | null };
  /** Every command called, in order, with secrets replaced by `[redacted]`. */
  readonly calls: { command: string; args: unknown }[];
  readonly paletteHandlers: Set<() => void>;
  /** Logs a call (redacted). */
  record(command: string, args: unknown): void;
  /** Waits the command latency, plus `extra` ms. */
  wait(extra?: number): Promise<void>;
  /** The stored key `id`; the core's `key_not_found` error if there is none. */
  find(id: string): StoredKey;
  /** The error of a broken credential store. */
  storeError(): ErrorPayload;
  /** Throws {@link storeError} while the store is broken. */
  checkStore(): void;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const now = () => new Date().toISOString();

export function createState(options: MockOptions): MockState {
  const latency = options.latencyMs ?? 0;
  const state: MockState = {
    options,
    latency,
    validationMs: options.validationMs ?? 0,
    chunkDelay: options.chunkDelayMs ?? 0,
    retryAfterSecs: options.retryAfterSecs ?? 3,
    storeName: options.credentialStore ?? 'Secret Service',
    storeWorking: options.credentialStoreWorking ?? true,
    settings: { fallbackToTaskly: options.fallbackToTaskly ?? false },
    keys: [],
    usage: [],
    receipts: [],
    balances: new Map(),
    balanceReadings: new Map(),
    accounts: [],
    activeAccount: null,
    localKeysAsked: false,
    stashedKeys: new Map(),
    machine: createMachine(options.scan ?? 'keys'),
    lastScan: null,
    clipboard: { holdsSince: null },
    calls: [],
    paletteHandlers: new Set(),

    record(command, args) {
      state.calls.push({ command, args: redact(args) });
    },
    async wait(extra = 0) {
      if (latency + extra > 0) await sleep(latency + extra);
    },
    find(id) {
      const key = state.keys.find((k) => k.info.id === id);
      if (!key) {
        throw errorPayload('key_not_found', `There is no key "${id}" in this account.`, { action: 'list_keys' });
      }
      return key;
    },
    storeError: () =>
      errorPayload(
        'credential_store_unavailable',
        `Your system's credential store (${state.storeName}) is not available: no Secret Service provider is running. Start or install GNOME Keyring or KWallet, then try again.`,
        { action: 'setup_credential_store' },
      ),
    checkStore() {
      if (!state.storeWorking) throw state.storeError();
    },
  };
  const seeded = { demo: demoSeed, backups: backupsSeed, rests: () => restsSeed(options.retryAfterSecs ?? 18) };
  if (options.seed && options.seed !== 'none') {
    const seed = seeded[options.seed]();
    state.keys.push(...seed.keys);
    state.usage.push(...seed.usage);
  }
  return state;
}

/** Copies call arguments for `calls`, replacing any secret. */
function redact(args: unknown): unknown {
  if (typeof args !== 'object' || args === null) return args;
  if (Array.isArray(args)) return args.map(redact);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args as Record<string, unknown>)) {
    out[k] = k === 'secret' ? '[redacted]' : redact(v);
  }
  return out;
}
