/**
 * The account in the header. Signed out: "Sign in to Taskly". Signing in: "Waiting for the
 * browser…". Signed in: the email, a disclosure button whose panel offers one action per other
 * account (switch), another account, the Account settings, and signing out. Keyboard: Enter or
 * Space opens the panel with focus on its first action, Esc closes it and returns focus, Tab
 * out of it closes it.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { useAccount, who } from '../../state/account';
import { useNav } from '../../state/nav';
import { ChevronDownIcon, Spinner, UserIcon } from '../Icons';

export function AccountMenu() {
  const account = useAccount();
  const nav = useNav();
  const uid = useId();
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  // An action from the panel removes the panel (and may replace this button): focus comes back
  // here once it is done, unless it went somewhere else meanwhile.
  const restoreFocus = useRef(false);
  const { status, phase, busy } = account;
  const active = status?.active ?? null;
  const settled = !busy && phase.kind === 'idle';

  useEffect(() => {
    if (!restoreFocus.current || !settled) return;
    restoreFocus.current = false;
    const focused = document.activeElement;
    if (!focused || focused === document.body) buttonRef.current?.focus();
  }, [settled, active?.id]);

  // While the panel is open: focus on its first action; Esc closes it (focus back on the
  // button); a click elsewhere or Tab out of it closes it.
  useEffect(() => {
    if (!open) return;
    const menu = menuRef.current;
    panelRef.current?.querySelector<HTMLElement>('button')?.focus();
    const onPointer = (e: PointerEvent) => {
      if (!menu?.contains(e.target as Node | null)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      setOpen(false);
      buttonRef.current?.focus();
    };
    const onFocusOut = (e: FocusEvent) => {
      const next = e.relatedTarget as Node | null;
      if (next && !menu?.contains(next)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    menu?.addEventListener('keydown', onKey);
    menu?.addEventListener('focusout', onFocusOut);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      menu?.removeEventListener('keydown', onKey);
      menu?.removeEventListener('focusout', onFocusOut);
    };
  }, [open]);

  if (!status) return null;

  const signingIn = phase.kind === 'starting' || phase.kind === 'waiting';
  if (!active || signingIn) {
    // One button for both states, so focus can come back to it when the sign-in dialog closes.
    return (
      <button
        ref={buttonRef}
        type="button"
        className="button"
        data-testid="account-menu"
        aria-disabled={signingIn}
        title={signingIn ? 'Waiting for the browser…' : 'Sign in to Taskly'}
        onClick={() => {
          if (!signingIn) account.signIn();
        }}
      >
        {signingIn ? <Spinner /> : <UserIcon size={15} />}
        <span className="topbar-label">{signingIn ? 'Waiting for the browser…' : 'Sign in to Taskly'}</span>
      </button>
    );
  }

  const others = status.accounts.filter((a) => !a.active);
  // Closes the panel and runs an action of it; focus comes back to the button afterwards.
  const run = (action: () => void) => {
    restoreFocus.current = true;
    setOpen(false);
    action();
  };

  return (
    <div className="account-menu" data-testid="account-menu" ref={menuRef}>
      <button
        ref={buttonRef}
        type="button"
        className="button account-button"
        aria-expanded={open}
        aria-controls={`${uid}-panel`}
        aria-label={`Taskly account: ${who(active)}`}
        title={`Taskly account: ${who(active)}`}
        onClick={() => setOpen((o) => !o)}
        disabled={busy}
      >
        {busy ? <Spinner /> : <UserIcon size={15} />}
        <span className="account-email topbar-label" data-testid="account-email">
          {who(active)}
        </span>
        <ChevronDownIcon size={14} />
      </button>
      {open ? (
        <div className="account-panel" id={`${uid}-panel`} ref={panelRef} role="group" aria-label="Taskly account">
          <p className="account-panel-who">
            <span className="muted">Signed in as</span> <strong>{who(active)}</strong>
            {active.display_name && active.display_name !== who(active) ? <span className="muted"> ({active.display_name})</span> : null}
          </p>
          {others.length > 0 ? (
            <ul className="account-panel-list" aria-label="Switch account">
              {others.map((a) => (
                <li key={a.id}>
                  <button type="button" className="account-panel-item" onClick={() => run(() => void account.switchTo(a))}>
                    Switch to {who(a)}
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          <button type="button" className="account-panel-item" onClick={() => run(() => account.signIn({ fresh: true }))}>
            Add another account
          </button>
          <button type="button" className="account-panel-item" onClick={() => run(() => nav.openSettings({ tab: 'account' }))}>
            Account settings
          </button>
          <hr className="account-panel-rule" />
          <button type="button" className="account-panel-item" onClick={() => run(() => void account.signOut(false))}>
            Sign out
          </button>
          {status.accounts.length > 1 ? (
            <button type="button" className="account-panel-item" onClick={() => run(() => void account.signOut(true))}>
              Sign out of all accounts
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
