/** Settings, as a dialog: "AI keys" (list + add form), "Privacy" and "Account" (Taskly sign-in) tabs. */
import * as Dialog from '@radix-ui/react-dialog';
import * as Tabs from '@radix-ui/react-tabs';
import { useEffect, useRef, useState } from 'react';
import { useData } from '../state/data';
import type { SettingsRequest, SettingsTab } from '../state/nav';
import { CredentialStoreBanner } from './CredentialStoreBanner';
import { AccountPanel } from './account/AccountPanel';
import { CloseIcon, KeyIcon, ShieldIcon, UserIcon } from './Icons';
import { AddKeyForm } from './keys/AddKeyForm';
import { ImportDialog } from './keys/import/ImportDialog';
import { KeyList } from './keys/KeyList';
import { PrivacyPanel } from './PrivacyPanel';
import { AboutUpdates } from './updates/AboutUpdates';

interface Props {
  open: boolean;
  request: SettingsRequest;
  onOpenChange(open: boolean): void;
}

export function SettingsDialog({ open, request, onOpenChange }: Props) {
  const { appInfo } = useData();
  const [tab, setTab] = useState<SettingsTab>(request.tab);
  const [shownRequest, setShownRequest] = useState(request);
  // A new request (e.g. "Update key" from the palette) switches to its tab.
  if (shownRequest !== request) {
    setShownRequest(request);
    setTab(request.tab);
  }
  const now = useNow(open);
  const bodyRef = useRef<HTMLDivElement>(null);
  // "Import keys from this computer" opens from here and from the first-run hint; focus goes
  // back to where it was opened, or to this button once the hint is gone (a key was imported).
  const [importOpen, setImportOpen] = useState(false);
  const importButton = useRef<HTMLButtonElement>(null);
  const importOpener = useRef<HTMLElement | null>(null);
  const openImport = () => {
    importOpener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setImportOpen(true);
  };

  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content
          className="dialog settings-dialog"
          aria-describedby={undefined}
          onOpenAutoFocus={(e) => {
            // With a key to show, its form takes focus; otherwise the active tab does.
            e.preventDefault();
            if (!request.focus) {
              const content = e.currentTarget as HTMLElement | null;
              content?.querySelector<HTMLElement>('[role="tab"][data-state="active"]')?.focus();
            }
          }}
        >
          <header className="dialog-header">
            <Dialog.Title className="dialog-title">Settings</Dialog.Title>
            <Dialog.Close className="icon-button" aria-label="Close settings">
              <CloseIcon />
            </Dialog.Close>
          </header>
          <Tabs.Root
            className="tabs"
            value={tab}
            onValueChange={(v) => {
              setTab(v as SettingsTab);
              if (bodyRef.current) bodyRef.current.scrollTop = 0;
            }}
            orientation="horizontal"
          >
            <Tabs.List className="tab-list" aria-label="Settings sections">
              <Tabs.Trigger className="tab" value="keys">
                <KeyIcon size={15} /> AI keys
              </Tabs.Trigger>
              <Tabs.Trigger className="tab" value="privacy">
                <ShieldIcon size={15} /> Privacy
              </Tabs.Trigger>
              <Tabs.Trigger className="tab" value="account">
                <UserIcon size={15} /> Account
              </Tabs.Trigger>
            </Tabs.List>
            <div className="dialog-body" ref={bodyRef}>
              <CredentialStoreBanner />
              <Tabs.Content className="tab-panel" value="keys">
                <p className="lead">
                  Use your own AI provider account. A key you add is stored in{' '}
                  {appInfo?.credentialStore ?? "your system's credential store"} on this computer and is only ever sent to
                  that provider. Never to Taskly.
                </p>
                <KeyList
                  key={request.focus ? `${request.focus.keyId}-${request.focus.mode}` : 'list'}
                  focus={request.focus}
                  now={now}
                  onImport={openImport}
                />
                <div className="import-offer">
                  <span>Keys already on this computer, in ~/.bashrc, a .env file or another AI tool?</span>
                  <button type="button" className="button button-small" ref={importButton} onClick={openImport}>
                    Import keys from this computer
                  </button>
                </div>
                <AddKeyForm />
                <ImportDialog
                  open={importOpen}
                  onOpenChange={setImportOpen}
                  onCloseAutoFocus={(e) => {
                    e.preventDefault();
                    const back = importOpener.current;
                    (back?.isConnected ? back : importButton.current)?.focus();
                  }}
                />
              </Tabs.Content>
              <Tabs.Content className="tab-panel" value="account">
                <AccountPanel />
              </Tabs.Content>
              <Tabs.Content className="tab-panel" value="privacy">
                <PrivacyPanel />
              </Tabs.Content>
            </div>
          </Tabs.Root>
          <footer className="dialog-footer">
            <span>Taskly Desktop {appInfo?.version ?? ''}</span>
            <span aria-hidden="true">·</span>
            <span>Keys in {appInfo?.credentialStore ?? 'the system credential store'}</span>
            <AboutUpdates />
          </footer>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** The current time, refreshed every 30 s while `active`, for "last used 5 minutes ago". */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const tick = () => setNow(Date.now());
    const id = window.setInterval(tick, 30_000);
    const first = window.setTimeout(tick, 0);
    return () => {
      window.clearInterval(id);
      window.clearTimeout(first);
    };
  }, [active]);
  return now;
}
