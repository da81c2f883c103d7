/**
 * The first sign-in's question: this computer has keys saved before anyone signed in (the local
 * profile); bring them into the account, or keep them where they are. Lists them masked. Esc
 * answers nothing (the question comes back at the next sign-in).
 */
import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { useState } from 'react';
import { useAccount, who } from '../../state/account';
import { Spinner } from '../Icons';

export function AdoptKeysDialog() {
  const { adoption, answerAdoption, dismissAdoption, restoreFocusAfterSignIn } = useAccount();
  const [busy, setBusy] = useState<'adopt' | 'keep' | null>(null);
  if (!adoption) return null;
  const name = who(adoption.account);
  const count = adoption.keys.length;

  const answer = async (adopt: boolean) => {
    setBusy(adopt ? 'adopt' : 'keep');
    try {
      await answerAdoption(adopt);
    } finally {
      setBusy(null);
    }
  };

  return (
    <AlertDialog.Root
      open
      onOpenChange={(o) => {
        if (!o && !busy) dismissAdoption();
      }}
    >
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="overlay overlay-top" />
        <AlertDialog.Content
          className="alert-dialog"
          data-testid="adopt-dialog"
          onCloseAutoFocus={(e) => {
            // As after the sign-in dialog: back to where the sign-in started, or the account button.
            e.preventDefault();
            restoreFocusAfterSignIn();
          }}
        >
          <AlertDialog.Title className="dialog-title">Bring your keys into {name}?</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="alert-body">
              <p>
                This computer has {count === 1 ? 'a key' : `${count} keys`} saved before you signed in. Brought into your account,{' '}
                {count === 1 ? 'it is' : 'they are'} used while you are signed in as {name}. Kept in the local profile,{' '}
                {count === 1 ? 'it is' : 'they are'} used only when no one is signed in. Either way {count === 1 ? 'it stays' : 'they stay'}{' '}
                on this computer, and never {count === 1 ? 'goes' : 'go'} to Taskly.
              </p>
            </div>
          </AlertDialog.Description>
          <ul className="adopt-list" aria-label="Keys on this computer">
            {adoption.keys.map((k) => (
              <li key={k.id}>
                <span className="adopt-provider">{k.provider_name}</span>
                <span className="adopt-label">“{k.label}”</span>
                <span className="masked-inline">{k.masked}</span>
              </li>
            ))}
          </ul>
          <div className="dialog-actions">
            <AlertDialog.Cancel asChild>
              <button
                type="button"
                className="button"
                disabled={busy !== null}
                onClick={(e) => {
                  // Keeping them is an answer too: the question is not asked again.
                  e.preventDefault();
                  void answer(false);
                }}
              >
                {busy === 'keep' ? <Spinner /> : null}
                Keep them in the local profile
              </button>
            </AlertDialog.Cancel>
            <AlertDialog.Action asChild>
              <button
                type="button"
                className="button button-primary"
                disabled={busy !== null}
                onClick={(e) => {
                  e.preventDefault();
                  void answer(true);
                }}
              >
                {busy === 'adopt' ? <Spinner /> : null}
                Bring them into {name}
              </button>
            </AlertDialog.Action>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
