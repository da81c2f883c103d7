/** Delete with confirmation, naming the key (label, provider and masked hint). */
import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { useState } from 'react';
import type { ErrorPayload, KeyInfo } from '../../bindings/core';
import { toErrorPayload } from '../../ipc/errors';
import { useData } from '../../state/data';
import { useToast } from '../../state/toast';
import { Spinner, TrashIcon } from '../Icons';

export function DeleteKeyDialog({ keyInfo, onDeleted }: { keyInfo: KeyInfo; onDeleted(): void }) {
  const { api, appInfo, forgetKey, keys } = useData();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const store = appInfo?.credentialStore ?? "your system's credential store";
  const otherEnabled = keys.some((k) => k.provider === keyInfo.provider && k.enabled && k.id !== keyInfo.id);

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      const removed = await api.removeKey(keyInfo.id);
      forgetKey(removed.id);
      setOpen(false);
      toast({ title: `Deleted “${removed.label}” (${removed.masked})`, description: `It was removed from ${store}.`, tone: 'ok' });
      onDeleted();
    } catch (e) {
      setError(toErrorPayload(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AlertDialog.Root
      open={open}
      onOpenChange={(o) => {
        if (!busy) setOpen(o);
        if (!o) setError(null);
      }}
    >
      <AlertDialog.Trigger asChild>
        <button type="button" className="button button-small button-ghost-danger" aria-label={`Delete “${keyInfo.label}”`}>
          <TrashIcon size={14} />
          Delete
        </button>
      </AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="overlay overlay-top" />
        <AlertDialog.Content className="alert-dialog">
          <AlertDialog.Title className="dialog-title">Delete “{keyInfo.label}”?</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="alert-body">
              <p>
                This deletes your {keyInfo.provider_name} key <span className="masked-inline">{keyInfo.masked}</span> from{' '}
                {store} on this computer. It cannot be undone; the key itself stays valid at {keyInfo.provider_name} until you
                revoke it there.
              </p>
              {keyInfo.enabled && !otherEnabled ? (
                <p>{keyInfo.provider_name} requests will then go through Taskly, unless you switch on another key.</p>
              ) : null}
            </div>
          </AlertDialog.Description>
          {error ? (
            <p className="outcome outcome-bad" role="alert">
              {error.message}
            </p>
          ) : null}
          <div className="dialog-actions">
            <AlertDialog.Cancel asChild>
              <button type="button" className="button" disabled={busy}>
                Keep key
              </button>
            </AlertDialog.Cancel>
            <button type="button" className="button button-danger" onClick={() => void remove()} disabled={busy}>
              {busy ? <Spinner /> : <TrashIcon size={14} />}
              {busy ? 'Deleting…' : 'Delete key'}
            </button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
