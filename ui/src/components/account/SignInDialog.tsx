/**
 * The browser sign-in in progress: "Waiting for the browser…" with the sign-in page's address (to
 * copy, in case the browser did not open) and Cancel; then, if it failed, why, with Try again.
 * Esc or Cancel ends the sign-in (the shell closes its loopback port).
 */
import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useId, useRef, useState } from 'react';
import { errorHeadline } from '../../lib/errorText';
import { useAccount } from '../../state/account';
import { CheckIcon, CopyIcon, Spinner, WarningIcon } from '../Icons';

export function SignInDialog() {
  const { phase, cancelSignIn, dismissSignIn, signIn, restoreFocusAfterSignIn } = useAccount();
  const uid = useId();
  const open = phase.kind !== 'idle';
  const cancelRef = useRef<HTMLButtonElement>(null);
  const retryRef = useRef<HTMLButtonElement>(null);
  const failed = phase.kind === 'failed';

  // A sign-in that fails while the dialog is open replaces Cancel (which had focus) with Try again.
  useEffect(() => {
    if (failed) retryRef.current?.focus();
  }, [failed]);

  return (
    <Dialog.Root
      open={open}
      onOpenChange={(o) => {
        if (o) return;
        if (phase.kind === 'failed') dismissSignIn();
        else cancelSignIn();
      }}
    >
      <Dialog.Portal>
        <Dialog.Overlay className="overlay overlay-top" />
        <Dialog.Content
          className="alert-dialog sign-in-dialog"
          aria-describedby={`${uid}-status`}
          data-testid="sign-in-dialog"
          onOpenAutoFocus={(e) => {
            // Cancel (or Try again) takes focus: the one thing to do here while the browser works.
            e.preventDefault();
            (retryRef.current ?? cancelRef.current)?.focus();
          }}
          onCloseAutoFocus={(e) => {
            // Without a Radix trigger, focus would fall to the page: put it back where it belongs.
            e.preventDefault();
            restoreFocusAfterSignIn();
          }}
        >
          <Dialog.Title className="dialog-title">Sign in to Taskly</Dialog.Title>
          {phase.kind === 'failed' ? (
            <>
              <div className="outcome outcome-bad" role="alert" id={`${uid}-status`} data-testid="sign-in-error" data-code={phase.error.code}>
                <p className="outcome-title">
                  <WarningIcon size={16} /> {errorHeadline(phase.error, 'Taskly', 'account')}
                </p>
                <p>{phase.error.message}</p>
              </div>
              <div className="dialog-actions">
                <Dialog.Close asChild>
                  <button type="button" className="button">
                    Close
                  </button>
                </Dialog.Close>
                <button type="button" className="button button-primary" ref={retryRef} onClick={() => signIn()}>
                  Try again
                </button>
              </div>
            </>
          ) : (
            <>
              <p className="sign-in-status" role="status" id={`${uid}-status`} data-testid="sign-in-status">
                <Spinner /> Waiting for the browser…
              </p>
              {phase.kind === 'waiting' ? (
                <>
                  <p className="alert-body">
                    {phase.browserOpened
                      ? 'Your browser opened Taskly’s sign-in page. Sign in there; this window carries on by itself.'
                      : 'Your browser did not open. Copy this address into your browser and sign in there; this window carries on by itself.'}
                  </p>
                  <CopyableUrl url={phase.url} />
                </>
              ) : (
                <p className="alert-body">Opening Taskly’s sign-in page in your browser…</p>
              )}
              <div className="dialog-actions">
                <button type="button" className="button" ref={cancelRef} onClick={cancelSignIn}>
                  Cancel
                </button>
              </div>
            </>
          )}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** The sign-in address in a read-only field, with a copy button and a polite "Copied". */
function CopyableUrl({ url }: { url: string }) {
  const uid = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'select' | null>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied('yes');
    } catch {
      // No clipboard access: select the address so Ctrl+C copies it.
      inputRef.current?.focus();
      inputRef.current?.select();
      setCopied('select');
    }
  };

  return (
    <div className="field sign-in-url">
      <label className="field-label" htmlFor={`${uid}-url`}>
        Sign-in address
      </label>
      <div className="sign-in-url-row">
        <input
          ref={inputRef}
          id={`${uid}-url`}
          className="input mono-small"
          readOnly
          value={url}
          data-testid="sign-in-url"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" className="button button-small" onClick={() => void copy()}>
          {copied === 'yes' ? <CheckIcon size={14} /> : <CopyIcon size={14} />}
          Copy address
        </button>
      </div>
      <p className="field-hint" aria-live="polite">
        {copied === 'yes' ? 'Copied. Paste it into your browser.' : copied === 'select' ? 'Selected: press Ctrl+C to copy it.' : ''}
      </p>
    </div>
  );
}
