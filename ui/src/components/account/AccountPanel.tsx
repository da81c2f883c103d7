/**
 * Settings → Account: whether you are signed in to Taskly and as whom, the accounts on this
 * computer (one action to switch to each), another account, and signing out (this one, or all).
 * The outcome of the last action, such as a sign-out the sign-in service could not confirm, is
 * announced in a polite live region.
 */
import { useId } from 'react';
import type { AccountView } from '../../bindings/core';
import { hostOf } from '../../lib/keyHygiene';
import { useAccount, who } from '../../state/account';
import { CheckIcon, InfoIcon, Spinner, UserIcon, WarningIcon } from '../Icons';

export function AccountPanel() {
  const account = useAccount();
  const uid = useId();
  const { status, statusError, busy, notice, phase } = account;
  const active = status?.active ?? null;
  const signingIn = phase.kind === 'starting' || phase.kind === 'waiting';
  const issuer = status ? (hostOf(status.issuer) ?? status.issuer) : null;

  return (
    <div className="account-section" data-testid="account-section">
      <section className="card" aria-labelledby={`${uid}-who`}>
        <h3 className="card-title" id={`${uid}-who`}>
          <UserIcon size={16} /> Taskly account
        </h3>
        {!status ? (
          statusError ? (
            <p className="outcome outcome-bad" role="alert">
              {statusError.message}
            </p>
          ) : (
            <p className="muted">Loading…</p>
          )
        ) : active ? (
          <>
            <p data-testid="account-who">
              Signed in as <strong>{who(active)}</strong>
              {active.display_name && active.display_name !== who(active) ? ` (${active.display_name})` : ''}
              {issuer ? <span className="muted"> with {issuer}</span> : null}.
            </p>
            {active.has_session ? (
              <p className="muted">
                Questions without a key of yours go through Taskly on this account, and the keys you see are this account’s. You stay
                signed in; Taskly Desktop renews the session by itself.
              </p>
            ) : (
              <p className="notice notice-warn">
                <WarningIcon size={14} />
                <span>Taskly ended this session. Sign in again to ask through Taskly.</span>
              </p>
            )}
            <div className="button-row">
              {!active.has_session ? (
                <button type="button" className="button button-primary button-small" onClick={() => account.signIn()} disabled={signingIn}>
                  Sign in again
                </button>
              ) : null}
              <button type="button" className="button button-small" onClick={() => void account.signOut(false)} disabled={busy}>
                {busy ? <Spinner /> : null}
                Sign out
              </button>
              <button type="button" className="button button-small button-quiet" onClick={() => void account.signOut(true)} disabled={busy}>
                Sign out of all accounts
              </button>
            </div>
          </>
        ) : (
          <>
            <p>
              You are not signed in. Sign in to ask through Taskly’s hosted service when you have no key of your own for a provider.
              Taskly’s sign-in page opens in your browser; this window carries on by itself when you are done.
            </p>
            <p className="muted">
              Until then, the keys you see are this computer’s local profile. Each account has its own keys, and your keys never go to
              Taskly.
            </p>
            <div className="button-row">
              <button type="button" className="button button-primary button-small" onClick={() => account.signIn()} disabled={signingIn}>
                {signingIn ? <Spinner /> : <UserIcon size={14} />}
                {signingIn ? 'Waiting for the browser…' : 'Sign in to Taskly'}
              </button>
            </div>
          </>
        )}
        {status?.token_override ? (
          <p className="notice notice-info">
            <InfoIcon size={14} />
            <span>TASKLY_PROXY_TOKEN is set on this computer: the Taskly route sends that token instead of your account’s.</span>
          </p>
        ) : null}
        <div className="outcome-region" aria-live="polite" data-testid="account-notice">
          {notice ? (
            <p className={`notice ${notice.tone === 'ok' ? 'notice-ok' : 'notice-warn'}`}>
              {notice.tone === 'ok' ? <CheckIcon size={14} /> : <WarningIcon size={14} />}
              <span>{notice.text}</span>
            </p>
          ) : null}
        </div>
      </section>

      {status && status.accounts.length > 0 ? (
        <section className="card" aria-labelledby={`${uid}-accounts`}>
          <h3 className="card-title" id={`${uid}-accounts`}>
            Accounts on this computer
          </h3>
          <ul className="account-list" aria-labelledby={`${uid}-accounts`}>
            {status.accounts.map((a) => (
              <AccountRow key={a.id} account={a} busy={busy} onSwitch={() => void account.switchTo(a)} />
            ))}
          </ul>
          <div className="button-row">
            <button type="button" className="button button-small" onClick={() => account.signIn({ fresh: true })} disabled={signingIn}>
              Add another account
            </button>
          </div>
        </section>
      ) : null}
    </div>
  );
}

function AccountRow({ account, busy, onSwitch }: { account: AccountView; busy: boolean; onSwitch(): void }) {
  return (
    <li className="account-row">
      <span className="account-row-who">
        <strong>{who(account)}</strong>
        {account.display_name && account.display_name !== who(account) ? <span className="muted"> {account.display_name}</span> : null}
      </span>
      {account.active ? (
        <span className="badge badge-ok">In use</span>
      ) : (
        <button type="button" className="button button-small" onClick={onSwitch} disabled={busy}>
          Switch to {who(account)}
        </button>
      )}
    </li>
  );
}
