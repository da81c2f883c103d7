/** Which surface is open (settings, palette) and requests to jump to a key in settings. */
import { createContext, useContext } from 'react';

export type SettingsTab = 'keys' | 'account' | 'privacy';

export interface KeyFocus {
  keyId: string;
  /** What to open on that key. */
  mode: 'replace' | 'edit' | 'show';
}

export interface SettingsRequest {
  tab: SettingsTab;
  focus: KeyFocus | null;
}

export interface Nav {
  openSettings(request?: Partial<SettingsRequest>): void;
  openPalette(): void;
}

export const NavContext = createContext<Nav | null>(null);

export function useNav(): Nav {
  const ctx = useContext(NavContext);
  if (!ctx) throw new Error('useNav outside NavContext');
  return ctx;
}
