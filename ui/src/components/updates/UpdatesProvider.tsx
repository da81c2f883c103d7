/**
 * Drives the update dialog: the quiet check at start (its failures are only logged by the shell;
 * the dialog opens only when there is a newer version), "Check for updates" from the palette and
 * Settings, then download with progress, verification and install. `useUpdates()` is null outside
 * the provider, so parts rendered alone in tests simply offer no update command.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { defaultUpdatesApi, toUpdateError, type AvailableUpdate, type UpdatesApi } from '../../ipc/updates';
import { UpdateDialog, type UpdateView } from './UpdateDialog';

export interface Updates {
  /** Checks now and shows the answer, whatever it is. */
  checkNow(): void;
}

const UpdatesContext = createContext<Updates | null>(null);

export function useUpdates(): Updates | null {
  return useContext(UpdatesContext);
}

interface Props {
  children: ReactNode;
  /** The commands; the real ones inside Tauri, the stand-in elsewhere. */
  api?: UpdatesApi;
  /** Whether to check once at start (on by default). */
  checkAtStart?: boolean;
}

export function UpdatesProvider({ children, api: given, checkAtStart = true }: Props) {
  const api = useMemo(() => given ?? defaultUpdatesApi(), [given]);
  const [view, setView] = useState<UpdateView>({ step: 'closed' });

  const check = useCallback(
    async (background: boolean) => {
      if (!background) setView({ step: 'checking' });
      try {
        const found = await api.checkForUpdates(background);
        const update = found.available;
        if (update) {
          // A quiet check never replaces what the user is already looking at.
          setView((v) =>
            background && v.step !== 'closed' ? v : { step: 'available', currentVersion: found.currentVersion, update },
          );
        } else if (!background) {
          setView({ step: 'upToDate', currentVersion: found.currentVersion });
        }
      } catch (e) {
        // Offline at start is normal: the shell logged it; say nothing.
        if (!background) setView({ step: 'failed', during: 'check', error: toUpdateError(e) });
      }
    },
    [api],
  );

  const started = useRef(false);
  useEffect(() => {
    if (!checkAtStart || started.current) return;
    started.current = true;
    void check(true);
  }, [check, checkAtStart]);

  const install = useCallback(async (currentVersion: string, update: AvailableUpdate) => {
    setView({ step: 'downloading', currentVersion, update, progress: null });
    try {
      await api.downloadUpdate((progress) => {
        setView((v) => (v.step === 'downloading' ? { ...v, progress } : v));
      });
    } catch (e) {
      setView({ step: 'failed', during: 'download', error: toUpdateError(e) });
      return;
    }
    setView({ step: 'installing', update });
    try {
      await api.installUpdate();
    } catch (e) {
      setView({ step: 'failed', during: 'install', error: toUpdateError(e) });
    }
  }, [api]);

  const retry = useCallback(() => {
    void check(false);
  }, [check]);

  const value = useMemo<Updates>(() => ({ checkNow: () => void check(false) }), [check]);

  return (
    <UpdatesContext.Provider value={value}>
      {children}
      <UpdateDialog
        view={view}
        onInstall={(currentVersion, update) => void install(currentVersion, update)}
        onRetry={retry}
        onClose={() => setView({ step: 'closed' })}
      />
    </UpdatesContext.Provider>
  );
}
