/**
 * The update dialog: the new version and its release notes with "Install now" / "Later", a
 * progress bar while the update downloads and its signature is checked, then the install and
 * restart. Also says "you're up to date", and shows refusals (bad signature, older version) and
 * failures with the shell's message. It renders a state; {@link UpdatesProvider} drives it.
 */
import * as Dialog from '@radix-ui/react-dialog';
import type { AvailableUpdate, DownloadProgress, UpdateErrorPayload } from '../../ipc/updates';
import { isRefusal } from '../../ipc/updates';
import { CheckIcon, CloseIcon, Spinner, WarningIcon } from '../Icons';
import './updates.css';

export type UpdateView =
  | { step: 'closed' }
  | { step: 'checking' }
  | { step: 'upToDate'; currentVersion: string }
  | { step: 'available'; currentVersion: string; update: AvailableUpdate }
  | { step: 'downloading'; currentVersion: string; update: AvailableUpdate; progress: DownloadProgress | null }
  | { step: 'installing'; update: AvailableUpdate }
  | { step: 'failed'; during: 'check' | 'download' | 'install'; error: UpdateErrorPayload };

interface Props {
  view: UpdateView;
  onInstall(currentVersion: string, update: AvailableUpdate): void;
  onRetry(): void;
  onClose(): void;
}

/** Whether the dialog may be dismissed: not while bytes arrive or the install runs. */
function busy(view: UpdateView): boolean {
  return view.step === 'downloading' || view.step === 'installing';
}

export function UpdateDialog({ view, onInstall, onRetry, onClose }: Props) {
  return (
    <Dialog.Root
      open={view.step !== 'closed'}
      onOpenChange={(open) => {
        if (!open && !busy(view)) onClose();
      }}
    >
      <Dialog.Portal>
        <Dialog.Overlay className="overlay overlay-top" />
        <Dialog.Content
          className="alert-dialog update-dialog"
          aria-describedby={undefined}
          onEscapeKeyDown={(e) => {
            if (busy(view)) e.preventDefault();
          }}
          onInteractOutside={(e) => {
            if (busy(view)) e.preventDefault();
          }}
        >
          <header className="update-header">
            <Dialog.Title className="dialog-title">{title(view)}</Dialog.Title>
            {busy(view) ? null : (
              <Dialog.Close className="icon-button" aria-label="Close">
                <CloseIcon />
              </Dialog.Close>
            )}
          </header>
          <Body view={view} />
          <Actions view={view} onInstall={onInstall} onRetry={onRetry} onClose={onClose} />
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

function title(view: UpdateView): string {
  switch (view.step) {
    case 'closed':
    case 'checking':
      return 'Checking for updates';
    case 'upToDate':
      return 'You’re up to date';
    case 'available':
      return `Taskly Desktop ${view.update.version} is available`;
    case 'downloading':
      return `Downloading ${view.update.version}`;
    case 'installing':
      return `Installing ${view.update.version}`;
    case 'failed':
      if (isRefusal(view.error)) return 'Update refused';
      return view.during === 'check' ? 'Couldn’t check for updates' : 'The update didn’t install';
  }
}

function Body({ view }: { view: UpdateView }) {
  switch (view.step) {
    case 'closed':
      return null;
    case 'checking':
      return (
        <p className="update-status" role="status">
          <Spinner size={15} /> Asking the update server…
        </p>
      );
    case 'upToDate':
      return (
        <p className="update-status" role="status">
          <CheckIcon size={16} /> Taskly Desktop {view.currentVersion} is the newest version.
        </p>
      );
    case 'available':
      return (
        <div className="update-body">
          <p>
            You have {view.currentVersion}.{' '}
            {view.update.date ? <>Released {formatDate(view.update.date)}. </> : null}
            Your keys and settings stay as they are: they live in your system’s credential store and your data
            folder, not in the app.
          </p>
          {view.update.notes ? (
            <section aria-label="Release notes" className="update-notes">
              <h3 className="update-notes-title">What’s new</h3>
              <div className="update-notes-text">{view.update.notes}</div>
            </section>
          ) : null}
        </div>
      );
    case 'downloading': {
      const { progress } = view;
      const total = progress?.total ?? null;
      const percent = total && progress ? Math.min(100, Math.floor((progress.downloaded / total) * 100)) : null;
      return (
        <div className="update-body">
          <progress
            className="update-progress"
            aria-label={`Downloading Taskly Desktop ${view.update.version}`}
            max={100}
            value={percent ?? undefined}
          />
          <p className="update-status muted" role="status">
            {progress
              ? `${formatBytes(progress.downloaded)}${total ? ` of ${formatBytes(total)}` : ''}${percent !== null ? ` (${percent}%)` : ''}`
              : 'Starting the download…'}
            {' '}The signature is checked before anything is installed.
          </p>
        </div>
      );
    }
    case 'installing':
      return (
        <p className="update-status" role="status">
          <Spinner size={15} /> Verified. Installing; Taskly Desktop restarts when it is done.
        </p>
      );
    case 'failed':
      return (
        <p className="outcome outcome-bad update-error" role="alert" data-code={view.error.code}>
          <WarningIcon size={16} /> {view.error.message}
        </p>
      );
  }
}

function Actions({ view, onInstall, onRetry, onClose }: Props) {
  switch (view.step) {
    case 'available':
      return (
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Later
          </button>
          <button type="button" className="button button-primary" onClick={() => onInstall(view.currentVersion, view.update)}>
            Install now
          </button>
        </div>
      );
    case 'upToDate':
      return (
        <div className="dialog-actions">
          <button type="button" className="button button-primary" onClick={onClose}>
            OK
          </button>
        </div>
      );
    case 'failed':
      return (
        <div className="dialog-actions">
          {view.error.action === 'retry' || view.error.action === 'check_for_updates' ? (
            <button type="button" className="button" onClick={onRetry}>
              Try again
            </button>
          ) : null}
          <button type="button" className="button button-primary" onClick={onClose}>
            Close
          </button>
        </div>
      );
    default:
      return null;
  }
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
}

function formatBytes(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)} MB`;
  if (n >= 1_000) return `${Math.round(n / 1_000)} kB`;
  return `${n} bytes`;
}
