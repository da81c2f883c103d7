/**
 * The Taskly account: who is signed in, the browser sign-in under way (its address, to show and
 * copy), switching, signing out, and the first sign-in's question about the local keys. Every
 * change of the active account reloads the data, since keys belong to an account. No token ever
 * reaches the UI: the shell's answers carry none.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { AccountView, AuthStatus, ErrorPayload, KeyInfo } from '../bindings/core';
import { toErrorPayload } from '../ipc/errors';
import { useData } from './data';
import { useToast } from './toast';

/** Where a browser sign-in is. */
export type SignInPhase =
  | { kind: 'idle' }
  | { kind: 'starting' }
  | { kind: 'waiting'; url: string; browserOpened: boolean }
  | { kind: 'failed'; error: ErrorPayload };

/** The outcome of the last account action, shown in the Account section. */
export interface AccountNotice {
  tone: 'ok' | 'warn';
  text: string;
}

/** The first sign-in's question: bring the local profile's keys into the account? */
export interface Adoption {
  account: AccountView;
  keys: KeyInfo[];
}

export interface AccountState {
  status: AuthStatus | null;
  statusError: ErrorPayload | null;
  phase: SignInPhase;
  /** A switch or a sign-out is running. */
  busy: boolean;
  notice: AccountNotice | null;
  adoption: Adoption | null;
  signIn(options?: { fresh?: boolean }): void;
  cancelSignIn(): void;
  /** Closes a failed sign-in's message. */
  dismissSignIn(): void;
  switchTo(account: AccountView): Promise<void>;
  signOut(all: boolean): Promise<void>;
  answerAdoption(adopt: boolean): Promise<void>;
  /** Closes the adoption question without answering (it is asked again at the next sign-in). */
  dismissAdoption(): void;
  /**
   * Where focus goes when the sign-in dialog closes: back to what started the sign-in, or, when
   * that is gone (it became the account button, or "Retry"), into the dialog it was in, else to
   * the header's account button.
   */
  restoreFocusAfterSignIn(): void;
}

const AccountContext = createContext<AccountState | null>(null);

export function useAccount(): AccountState {
  const ctx = useContext(AccountContext);
  if (!ctx) throw new Error('useAccount outside AccountProvider');
  return ctx;
}

/** How an account is shown: its email, else the name the issuer gave, else its name here. */
export function who(account: AccountView): string {
  return account.email ?? account.display_name ?? account.name;
}

export function AccountProvider({ children }: { children: ReactNode }) {
  const { api, reload } = useData();
  const toast = useToast();
  const [status, setStatus] = useState<AuthStatus | null>(null);
  const [statusError, setStatusError] = useState<ErrorPayload | null>(null);
  const [phase, setPhase] = useState<SignInPhase>({ kind: 'idle' });
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<AccountNotice | null>(null);
  const [adoption, setAdoption] = useState<Adoption | null>(null);
  // The sign-in whose answer is awaited; an answer for an older one (cancelled) is ignored.
  const attempt = useRef(0);
  const opener = useRef<{ element: HTMLElement | null; within: HTMLElement | null }>({ element: null, within: null });

  const refresh = useCallback(async () => {
    try {
      setStatus(await api.authStatus());
      setStatusError(null);
    } catch (e) {
      setStatusError(toErrorPayload(e));
    }
  }, [api]);

  useEffect(() => {
    let current = true;
    void api.authStatus().then(
      (s) => {
        if (current) setStatus(s);
      },
      (e: unknown) => {
        if (current) setStatusError(toErrorPayload(e));
      },
    );
    return () => {
      current = false;
    };
  }, [api]);

  /** After the active account changed: who is signed in, and that account's keys. */
  const changed = useCallback(async () => {
    await Promise.all([refresh(), reload()]);
  }, [refresh, reload]);

  const signIn = useCallback(
    (options: { fresh?: boolean } = {}) => {
      const mine = ++attempt.current;
      const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      opener.current = { element: focused, within: focused?.closest<HTMLElement>('[role="dialog"]') ?? null };
      setNotice(null);
      setPhase({ kind: 'starting' });
      void api
        .signIn({ freshLogin: options.fresh ?? false }, (progress) => {
          if (attempt.current === mine) setPhase({ kind: 'waiting', url: progress.url, browserOpened: progress.browserOpened });
        })
        .then(
          async (signedIn) => {
            if (attempt.current !== mine) return;
            setPhase({ kind: 'idle' });
            await changed();
            const name = who(signedIn.account);
            if (signedIn.local_keys.length > 0) {
              setAdoption({ account: signedIn.account, keys: signedIn.local_keys });
            } else {
              toast({ title: `Signed in as ${name}`, description: 'Questions without a key of yours now go through this Taskly account.', tone: 'ok' });
            }
          },
          (e: unknown) => {
            if (attempt.current !== mine) return;
            const error = toErrorPayload(e);
            setPhase(error.code === 'cancelled' ? { kind: 'idle' } : { kind: 'failed', error });
          },
        );
    },
    [api, changed, toast],
  );

  const cancelSignIn = useCallback(() => {
    attempt.current += 1;
    setPhase({ kind: 'idle' });
    void api.cancelSignIn().catch(() => {
      // Nothing was waiting any more: the sign-in had ended already.
    });
  }, [api]);

  const dismissSignIn = useCallback(() => setPhase({ kind: 'idle' }), []);

  const switchTo = useCallback(
    async (account: AccountView) => {
      setBusy(true);
      setNotice(null);
      try {
        const now = await api.switchAccount(account.id);
        await changed();
        setNotice({ tone: 'ok', text: `Now using ${who(now)}. You see this account's keys.` });
        toast({ title: `Switched to ${who(now)}`, tone: 'ok' });
      } catch (e) {
        setNotice({ tone: 'warn', text: toErrorPayload(e).message });
      } finally {
        setBusy(false);
      }
    },
    [api, changed, toast],
  );

  const signOut = useCallback(
    async (all: boolean) => {
      setBusy(true);
      setNotice(null);
      try {
        const out = await api.signOut(all);
        await changed();
        const names = out.accounts.map(who).join(', ') || 'Taskly';
        if (out.revoked) {
          setNotice({ tone: 'ok', text: `Signed out of ${names}.` });
          toast({ title: `Signed out of ${names}`, tone: 'ok' });
        } else {
          const text = `Signed out of ${names} on this computer. Taskly's sign-in service could not be reached to end the session there too; it expires on its own.`;
          setNotice({ tone: 'warn', text });
          toast({ title: 'Signed out on this computer', description: text, tone: 'warn' });
        }
      } catch (e) {
        setNotice({ tone: 'warn', text: toErrorPayload(e).message });
      } finally {
        setBusy(false);
      }
    },
    [api, changed, toast],
  );

  const answerAdoption = useCallback(
    async (adopt: boolean) => {
      const question = adoption;
      if (!question) return;
      const name = who(question.account);
      try {
        const moved = await api.adoptLocalKeys(question.account.id, adopt);
        setAdoption(null);
        await reload();
        toast(
          adopt
            ? { title: `Brought ${moved} ${moved === 1 ? 'key' : 'keys'} into ${name}`, tone: 'ok' }
            : { title: `Signed in as ${name}`, description: 'Your earlier keys stay in the local profile, used when no one is signed in.', tone: 'ok' },
        );
      } catch (e) {
        setAdoption(null);
        setNotice({ tone: 'warn', text: toErrorPayload(e).message });
      }
    },
    [adoption, api, reload, toast],
  );

  const dismissAdoption = useCallback(() => setAdoption(null), []);

  const restoreFocusAfterSignIn = useCallback(() => {
    const { element, within } = opener.current;
    if (element?.isConnected) {
      element.focus();
    } else if (within?.isConnected) {
      within.querySelector<HTMLElement>('textarea, input, button:not([disabled])')?.focus();
    } else {
      document.querySelector<HTMLElement>('header [data-testid="account-menu"]:is(button), header [data-testid="account-menu"] button')?.focus();
    }
  }, []);

  const value = useMemo<AccountState>(
    () => ({
      status,
      statusError,
      phase,
      busy,
      notice,
      adoption,
      signIn,
      cancelSignIn,
      dismissSignIn,
      switchTo,
      signOut,
      answerAdoption,
      dismissAdoption,
      restoreFocusAfterSignIn,
    }),
    [
      status,
      statusError,
      phase,
      busy,
      notice,
      adoption,
      signIn,
      cancelSignIn,
      dismissSignIn,
      switchTo,
      signOut,
      answerAdoption,
      dismissAdoption,
      restoreFocusAfterSignIn,
    ],
  );

  return <AccountContext.Provider value={value}>{children}</AccountContext.Provider>;
}
