/**
 * The mock's Taskly accounts: a stand-in sign-in service with two people (Ana and Bob), the
 * browser side of a sign-in (finished by a timer or by the test), switching, signing out (with a
 * sign-in service that may be unreachable), and the first sign-in's question about the local
 * keys. Each profile (the local one and every account) has its own keys, as in the core.
 */
import type { AccountView, AuthStatus, KeyInfo, SignedIn, SignedOut } from '../../bindings/core';
import type { SignInForm, SignInProgress, TasklyApi } from '../commands';
import { errorPayload } from '../errors';
import { copyKey } from './data';
import type { MockState } from './state';

type AccountCommands = Pick<TasklyApi, 'authStatus' | 'signIn' | 'cancelSignIn' | 'switchAccount' | 'signOut' | 'adoptLocalKeys'>;

/** What tests use to play the person in the browser. */
export interface SignInControls {
  /** Finishes the sign-in under way as `person` (Ana by default, Bob for a fresh login). */
  completeSignIn(person?: Person): void;
  /** Ends the sign-in under way with the sign-in service's refusal. */
  failSignIn(): void;
  /** Whether a sign-in is waiting for the browser. */
  signInPending(): boolean;
}

export type Person = 'ana' | 'bob';

export const MOCK_ISSUER = 'https://auth.taskly.chat';
const LOCAL = 'local';

const PEOPLE: Record<Person, { id: string; email: string; name: string; subject: string }> = {
  ana: { id: 'u-a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', email: 'ana@example.com', name: 'Ana Lima', subject: 'ana' },
  bob: { id: 'u-b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0', email: 'bob@example.com', name: 'Bob Stone', subject: 'bob' },
};

/** The sign-in page's address, shaped like the core's (no token in it: only a challenge). */
const SIGN_IN_URL =
  `${MOCK_ISSUER}/auth?client_id=taskly-desktop&response_type=code&scope=openid+offline_access+email+profile` +
  '&redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2Fcallback&state=mock-state&nonce=mock-nonce' +
  '&code_challenge=mock-challenge&code_challenge_method=S256&prompt=consent';

interface Pending {
  fresh: boolean;
  resolve(signedIn: SignedIn): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout> | null;
}

const copy = (a: AccountView): AccountView => ({ ...a, active: false });

/** The active account's email, which the Taskly route is labelled with. */
export function activeEmail(state: MockState): string | null {
  return state.accounts.find((a) => a.id === state.activeAccount)?.email ?? null;
}

/** Makes `profile` (an account id or `local`) the one whose keys are in use. */
function activate(state: MockState, profile: string) {
  const current = state.activeAccount ?? LOCAL;
  if (current === profile) return;
  state.stashedKeys.set(current, state.keys.splice(0));
  state.keys.push(...(state.stashedKeys.get(profile) ?? []));
  state.stashedKeys.delete(profile);
  state.activeAccount = profile === LOCAL ? null : profile;
}

function view(state: MockState, account: AccountView): AccountView {
  return { ...account, active: account.id === state.activeAccount };
}

function upsertPerson(state: MockState, person: Person): AccountView {
  const who = PEOPLE[person];
  const expires = new Date(Date.now() + 3600_000).toISOString();
  let account = state.accounts.find((a) => a.id === who.id);
  if (!account) {
    account = {
      id: who.id,
      name: who.email,
      email: who.email,
      display_name: who.name,
      subject: who.subject,
      issuer: MOCK_ISSUER,
      active: false,
      has_session: true,
      access_expires_at: expires,
    };
    state.accounts.push(account);
  }
  account.has_session = true;
  account.access_expires_at = expires;
  return account;
}

export function startSignedIn(state: MockState) {
  const ana = upsertPerson(state, 'ana');
  // The seed's keys belong to Ana's account: the local profile is empty and was asked about.
  state.activeAccount = ana.id;
  state.localKeysAsked = true;
}

export function accountCommands(state: MockState): AccountCommands & SignInControls {
  let pending: Pending | null = null;

  const finish = (person?: Person) => {
    const p = pending;
    if (!p) return;
    pending = null;
    if (p.timer) clearTimeout(p.timer);
    const signedInAlready = new Set(state.accounts.map((a) => a.id));
    const who: Person = person ?? (p.fresh ? ((['bob', 'ana'] as const).find((x) => !signedInAlready.has(PEOPLE[x].id)) ?? 'bob') : 'ana');
    const account = upsertPerson(state, who);
    activate(state, account.id);
    const local = state.stashedKeys.get(LOCAL) ?? [];
    const localKeys: KeyInfo[] = state.localKeysAsked ? [] : local.map((k) => copyKey(k.info));
    p.resolve({ account: view(state, account), local_keys: localKeys });
  };

  const fail = () => {
    const p = pending;
    if (!p) return;
    pending = null;
    if (p.timer) clearTimeout(p.timer);
    p.reject(
      errorPayload('sign_in_failed', 'Signing in to Taskly did not finish: access was declined. Nothing was stored; try again.', {
        action: 'sign_in',
      }),
    );
  };

  const cancelPending = () => {
    const p = pending;
    if (!p) return;
    pending = null;
    if (p.timer) clearTimeout(p.timer);
    p.reject(errorPayload('cancelled', 'Cancelled.'));
  };

  return {
    async authStatus(): Promise<AuthStatus> {
      state.record('auth_status', {});
      await state.wait();
      const accounts = state.accounts.map((a) => view(state, a));
      return {
        active: accounts.find((a) => a.active) ?? null,
        accounts,
        issuer: MOCK_ISSUER,
        token_override: false,
        profile: state.activeAccount ?? LOCAL,
      };
    },

    async signIn(form: SignInForm, onProgress: (progress: SignInProgress) => void): Promise<SignedIn> {
      state.record('sign_in', { form });
      // Only one loopback sign-in at a time: a new one ends the one before.
      cancelPending();
      await state.wait();
      const done = new Promise<SignedIn>((resolve, reject) => {
        pending = { fresh: form.freshLogin, resolve, reject, timer: null };
      });
      onProgress({ url: SIGN_IN_URL, browserOpened: !state.options.browserFails });
      const how = state.options.signIn ?? 'manual';
      const current = pending as Pending | null;
      if (current && how === 'fail') current.timer = setTimeout(fail, Math.max(50, state.latency * 4));
      else if (current && typeof how === 'number') current.timer = setTimeout(() => finish(), how);
      return done;
    },

    async cancelSignIn() {
      state.record('cancel_sign_in', {});
      cancelPending();
    },

    async switchAccount(name: string): Promise<AccountView> {
      state.record('switch_account', { name });
      await state.wait();
      const wanted = name.trim().toLowerCase();
      const account = state.accounts.find((a) => [a.id, a.name, a.email ?? ''].some((x) => x.toLowerCase() === wanted));
      if (!account) {
        throw errorPayload('account_not_found', `No Taskly account ${JSON.stringify(name)} is signed in on this machine. \`taskly auth status\` lists them.`, {
          action: 'sign_in',
        });
      }
      activate(state, account.id);
      return view(state, account);
    },

    async signOut(all: boolean): Promise<SignedOut> {
      state.record('sign_out', { all });
      await state.wait();
      const active = state.accounts.find((a) => a.id === state.activeAccount);
      if (!all && !active) {
        throw errorPayload(
          'sign_in_required',
          'No Taskly account is signed in. To ask through Taskly, sign in: run `taskly auth login` (or use Sign in in the app). Or switch on a personal key for this provider.',
          { action: 'sign_in' },
        );
      }
      const leaving = all ? [...state.accounts] : active ? [active] : [];
      if (leaving.some((a) => a.id === state.activeAccount)) activate(state, LOCAL);
      for (const a of leaving) state.accounts.splice(state.accounts.indexOf(a), 1);
      const unreachable = state.options.revokeUnreachable ?? false;
      return {
        accounts: leaving.map(copy),
        revoked: !unreachable,
        revoke_error: unreachable
          ? `Taskly's sign-in service (${MOCK_ISSUER}) cannot be used right now: connection refused. Check your connection and try again.`
          : null,
      };
    },

    async adoptLocalKeys(accountId: string, adopt: boolean): Promise<number> {
      state.record('adopt_local_keys', { accountId, adopt });
      await state.wait();
      state.localKeysAsked = true;
      if (!adopt) return 0;
      const local = state.activeAccount === null ? state.keys.splice(0) : (state.stashedKeys.get(LOCAL) ?? []);
      state.stashedKeys.delete(LOCAL);
      if (state.activeAccount === accountId) state.keys.push(...local);
      else state.stashedKeys.set(accountId, [...(state.stashedKeys.get(accountId) ?? []), ...local]);
      return local.length;
    },

    completeSignIn: (person) => finish(person),
    failSignIn: fail,
    signInPending: () => pending !== null,
  };
}
