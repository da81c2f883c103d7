/**
 * What the UI knows from the shell: providers, keys (masked), today's usage, settings and the
 * credential store's health. Only masked key data lives here; a plaintext key never does.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { ErrorPayload, KeyInfo, KeySaved, ProviderSpec, UsageRow } from '../bindings/core';
import type { AppInfo, AppSettings, TasklyApi } from '../ipc/commands';
import { toErrorPayload } from '../ipc/errors';

export interface TasklyData {
  api: TasklyApi;
  providers: ProviderSpec[];
  keys: KeyInfo[];
  usage: UsageRow[];
  settings: AppSettings;
  appInfo: AppInfo | null;
  loaded: boolean;
  loadError: ErrorPayload | null;
  reload(): Promise<void>;
  refreshKeys(): Promise<void>;
  refreshUsage(): Promise<void>;
  /** Puts a saved key into the list and marks the key it switched off. */
  applySaved(saved: KeySaved): void;
  applyKey(key: KeyInfo): void;
  forgetKey(id: string): void;
  setSettings(settings: AppSettings): void;
}

const DataContext = createContext<TasklyData | null>(null);

export function useData(): TasklyData {
  const ctx = useContext(DataContext);
  if (!ctx) throw new Error('useData outside DataProvider');
  return ctx;
}

interface Loaded {
  providers: ProviderSpec[] | null;
  keys: KeyInfo[] | null;
  settings: AppSettings | null;
  appInfo: AppInfo | null;
  usage: UsageRow[] | null;
  error: ErrorPayload | null;
}

/** Everything the UI shows at start; each part may fail on its own. */
async function loadAll(api: TasklyApi): Promise<Loaded> {
  const [p, k, s, a, u] = await Promise.allSettled([
    api.listProviders(),
    api.listKeys(),
    api.getSettings(),
    api.appInfo(),
    api.usageReport(1),
  ] as const);
  const value = <T,>(r: PromiseSettledResult<T>): T | null => (r.status === 'fulfilled' ? r.value : null);
  // Usage is informative only; its failure is not worth a banner.
  const failed = [p, k, s, a].find((r) => r.status === 'rejected');
  return {
    providers: value(p),
    keys: value(k),
    settings: value(s),
    appInfo: value(a),
    usage: value(u),
    error: failed && failed.status === 'rejected' ? toErrorPayload(failed.reason) : null,
  };
}

function upsert(list: KeyInfo[], key: KeyInfo): KeyInfo[] {
  const at = list.findIndex((k) => k.id === key.id);
  if (at === -1) return [...list, key];
  const next = [...list];
  next[at] = key;
  return next;
}

export function DataProvider({ api, children }: { api: TasklyApi; children: ReactNode }) {
  const [providers, setProviders] = useState<ProviderSpec[]>([]);
  const [keys, setKeys] = useState<KeyInfo[]>([]);
  const [usage, setUsage] = useState<UsageRow[]>([]);
  const [settings, setSettings] = useState<AppSettings>({ fallbackToTaskly: false });
  const [appInfo, setAppInfo] = useState<AppInfo | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState<ErrorPayload | null>(null);

  const refreshKeys = useCallback(async () => {
    try {
      setKeys(await api.listKeys());
    } catch (e) {
      setLoadError(toErrorPayload(e));
    }
  }, [api]);

  const refreshUsage = useCallback(async () => {
    try {
      setUsage(await api.usageReport(1));
    } catch {
      // Usage is informative only; the list still works without it.
    }
  }, [api]);

  const apply = useCallback((loaded: Loaded) => {
    if (loaded.providers) setProviders(loaded.providers);
    if (loaded.keys) setKeys(loaded.keys);
    if (loaded.settings) setSettings(loaded.settings);
    if (loaded.appInfo) setAppInfo(loaded.appInfo);
    if (loaded.usage) setUsage(loaded.usage);
    setLoadError(loaded.error);
    setLoaded(true);
  }, []);

  const reload = useCallback(async () => {
    apply(await loadAll(api));
  }, [api, apply]);

  useEffect(() => {
    let current = true;
    void loadAll(api).then((loaded) => {
      if (current) apply(loaded);
    });
    return () => {
      current = false;
    };
  }, [api, apply]);

  const applySaved = useCallback((saved: KeySaved) => {
    setKeys((list) => {
      let next = upsert(list, saved.key);
      if (saved.disabled) next = upsert(next, saved.disabled);
      return next;
    });
  }, []);

  const applyKey = useCallback((key: KeyInfo) => setKeys((list) => upsert(list, key)), []);
  const forgetKey = useCallback((id: string) => setKeys((list) => list.filter((k) => k.id !== id)), []);

  const value = useMemo<TasklyData>(
    () => ({
      api,
      providers,
      keys,
      usage,
      settings,
      appInfo,
      loaded,
      loadError,
      reload,
      refreshKeys,
      refreshUsage,
      applySaved,
      applyKey,
      forgetKey,
      setSettings,
    }),
    [api, providers, keys, usage, settings, appInfo, loaded, loadError, reload, refreshKeys, refreshUsage, applySaved, applyKey, forgetKey],
  );

  return <DataContext.Provider value={value}>{children}</DataContext.Provider>;
}
