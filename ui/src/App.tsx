/**
 * The window: a small home screen (routes at a glance, the session's conversation), the
 * Settings dialog and the command palette. Ctrl/Cmd+K (and the shell's global shortcut, via the
 * `palette://open` event) open the palette; Ctrl/Cmd+, opens settings.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { TasklyApi } from './ipc/commands';
import { expectedRoute, routeLabel } from './lib/format';
import { AccountProvider, useAccount } from './state/account';
import { ChatProvider, useChat } from './state/chat';
import { DataProvider, useData } from './state/data';
import { NavContext, useNav, type Nav, type SettingsRequest } from './state/nav';
import { ToastProvider } from './state/toast';
import { AccountMenu } from './components/account/AccountMenu';
import { AdoptKeysDialog } from './components/account/AdoptKeysDialog';
import { SignInDialog } from './components/account/SignInDialog';
import { CredentialStoreBanner } from './components/CredentialStoreBanner';
import { GearIcon, KeyIcon, LogoMark, RouteIcon, ShieldIcon, SparkIcon } from './components/Icons';
import { Palette } from './components/palette/Palette';
import { RouteBadge } from './components/palette/TurnView';
import { SettingsDialog } from './components/SettingsDialog';
import { UpdatesProvider } from './components/updates/UpdatesProvider';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
export const MOD = isMac ? '⌘' : 'Ctrl';

export function App({ api }: { api: TasklyApi }) {
  return (
    <DataProvider api={api}>
      <ToastProvider>
        <AccountProvider>
          <ChatProvider>
            <UpdatesProvider>
              <Shell />
            </UpdatesProvider>
          </ChatProvider>
        </AccountProvider>
      </ToastProvider>
    </DataProvider>
  );
}

function Shell() {
  const { api, appInfo } = useData();
  const [paletteOpen, setPaletteOpen] = useState(false);
  const [focusSignal, setFocusSignal] = useState(0);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [request, setRequest] = useState<SettingsRequest>({ tab: 'keys', focus: null });

  const openPalette = useCallback(() => {
    setSettingsOpen(false);
    setPaletteOpen(true);
    setFocusSignal((n) => n + 1);
  }, []);

  const nav = useMemo<Nav>(
    () => ({
      openPalette,
      openSettings: (r) => {
        setPaletteOpen(false);
        setRequest({ tab: r?.tab ?? 'keys', focus: r?.focus ?? null });
        setSettingsOpen(true);
      },
    }),
    [openPalette],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      if (e.key === 'k' || e.key === 'K') {
        e.preventDefault();
        openPalette();
      } else if (e.key === ',') {
        e.preventDefault();
        nav.openSettings({ tab: 'keys' });
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [openPalette, nav]);

  useEffect(() => {
    let unlisten: (() => void) | null = null;
    let gone = false;
    void api.onPaletteOpen(openPalette).then((u) => {
      if (gone) u();
      else unlisten = u;
    });
    return () => {
      gone = true;
      unlisten?.();
    };
  }, [api, openPalette]);

  return (
    <NavContext.Provider value={nav}>
      <div className="app">
        <header className="topbar">
          <div className="brand">
            <LogoMark />
            <span className="brand-name">
              Taskly <span className="brand-sub">Desktop</span>
            </span>
            {appInfo?.demo ? (
              <span className="demo-chip" title="“Taskly” is a stand-in service running on this computer">
                Demo
              </span>
            ) : null}
          </div>
          <nav className="topbar-actions" aria-label="Main">
            <button type="button" className="button button-primary" onClick={openPalette} aria-keyshortcuts="Control+K Meta+K">
              <SparkIcon size={15} />
              Ask AI
              <kbd className="kbd-on-primary">{MOD} K</kbd>
            </button>
            <AccountMenu />
            <button
              type="button"
              className="button"
              onClick={() => nav.openSettings({ tab: 'keys' })}
              aria-keyshortcuts="Control+Comma Meta+Comma"
            >
              <GearIcon size={15} />
              Settings
            </button>
          </nav>
        </header>
        <main className="home" id="main">
          <CredentialStoreBanner />
          <Home />
        </main>
        <SettingsDialog open={settingsOpen} request={request} onOpenChange={setSettingsOpen} />
        <Palette open={paletteOpen} onOpenChange={setPaletteOpen} focusSignal={focusSignal} />
        <SignInDialog />
        <AdoptKeysDialog />
      </div>
    </NavContext.Provider>
  );
}

function Home() {
  const { keys, providers, loaded, loadError, settings, appInfo } = useData();
  const account = useAccount().status?.active?.email ?? null;
  const chat = useChat();
  const { openPalette, openSettings } = useNav();
  const enabled = keys.filter((k) => k.enabled);

  return (
    <>
      <section className="hero" aria-labelledby="hero-title">
        <h1 id="hero-title">Ask with your own AI account</h1>
        <p className="lead">
          Taskly Desktop sends your questions straight to the provider with your own key, kept in your system&apos;s
          credential store. Without a key, Taskly&apos;s hosted service answers.
        </p>
        <button type="button" className="ask-bar" onClick={openPalette}>
          <SparkIcon size={18} />
          <span className="ask-bar-text">Ask anything…</span>
          <kbd>{MOD} K</kbd>
        </button>
      </section>

      {appInfo?.demo ? (
        <p className="notice notice-info" data-testid="demo-notice">
          Demo mode: “Taskly” is a stand-in service running on this computer, so you can try everything offline. Nothing
          is sent to Taskly&apos;s servers.
        </p>
      ) : null}

      {loadError ? (
        <div className="banner banner-bad" role="alert">
          <div className="banner-body">
            <p className="banner-title">Something went wrong loading your settings</p>
            <p>{loadError.message}</p>
          </div>
        </div>
      ) : null}

      <div className="home-grid">
        <section className="card" aria-labelledby="routes-title">
          <h2 className="card-title" id="routes-title">
            <RouteIcon size={16} /> Where your questions go
          </h2>
          {!loaded ? (
            <p className="muted">Loading…</p>
          ) : (
            <ul className="route-list">
              {enabled.map((k) => (
                <li key={k.id}>
                  <span className="route-provider">{k.provider_name}</span>
                  <RouteBadge route={expectedRoute(keys, k.provider, account)} />
                </li>
              ))}
              <li>
                <span className="route-provider">{enabled.length ? 'Other providers' : 'All providers'}</span>
                <RouteBadge route={expectedRoute([], 'openai', account)} />
              </li>
            </ul>
          )}
          <p className="card-foot">
            <span className="muted">
              <ShieldIcon size={13} /> When a key fails: {settings.fallbackToTaskly ? 'Taskly answers instead' : 'you see the error; nothing goes to Taskly'}
            </span>
          </p>
          <div className="button-row">
            <button type="button" className="button button-small" onClick={() => openSettings({ tab: 'keys' })}>
              <KeyIcon size={14} /> Manage AI keys
            </button>
            <button type="button" className="button button-small button-quiet" onClick={() => openSettings({ tab: 'privacy' })}>
              <ShieldIcon size={14} /> Privacy
            </button>
          </div>
        </section>

        <section className="card" aria-labelledby="session-title">
          <h2 className="card-title" id="session-title">
            <SparkIcon size={16} /> This session
          </h2>
          {chat.turns.length === 0 ? (
            <p className="muted">No questions yet. Press {MOD} K anywhere in this window to ask.</p>
          ) : (
            <>
              <ul className="session-list">
                {chat.turns.slice(-3).map((t) => (
                  <li key={t.id}>
                    <span className="session-q">{t.question}</span>
                    <span className="muted">
                      {t.route ? routeLabel(t.route, providers) : '…'} · {t.status === 'done' ? 'answered' : t.status}
                    </span>
                  </li>
                ))}
              </ul>
              <div className="button-row">
                <button type="button" className="button button-small" onClick={openPalette}>
                  Continue
                </button>
                <button type="button" className="button button-small button-quiet" onClick={() => chat.clear()}>
                  Clear conversation
                </button>
              </div>
            </>
          )}
        </section>
      </div>
    </>
  );
}

