// Renders parts of the app around a mock IPC, the way the app wires them.
import { render, screen, waitFor, within, type RenderResult } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import type { ReactNode } from 'react';
import { expect } from 'vitest';
import { App } from '../App';
import { createMockApi, type MockApi, type MockOptions } from '../ipc/mock';
import { AccountProvider } from '../state/account';
import { ChatProvider } from '../state/chat';
import { DataProvider } from '../state/data';
import { NavContext, type Nav } from '../state/nav';
import { ToastProvider } from '../state/toast';

export interface Rendered extends RenderResult {
  api: MockApi;
  user: ReturnType<typeof userEvent.setup>;
}

export function mockApi(options: MockOptions = {}): MockApi {
  return createMockApi({ latencyMs: 0, validationMs: 5, chunkDelayMs: 1, ...options });
}

/** The whole app over a mock. */
export function renderApp(options: MockOptions = {}, api: MockApi = mockApi(options)): Rendered {
  const user = userEvent.setup();
  const result = render(<App api={api} />);
  return { ...result, api, user };
}

/** A part of the app with data, toasts, chat and a recording navigation. */
export function renderWith(ui: ReactNode, options: MockOptions = {}, nav: Partial<Nav> = {}): Rendered & { nav: Nav } {
  const api = mockApi(options);
  const user = userEvent.setup();
  const fullNav: Nav = { openPalette: () => {}, openSettings: () => {}, ...nav };
  const result = render(
    <DataProvider api={api}>
      <ToastProvider>
        <AccountProvider>
          <ChatProvider>
            <NavContext.Provider value={fullNav}>{ui}</NavContext.Provider>
          </ChatProvider>
        </AccountProvider>
      </ToastProvider>
    </DataProvider>,
  );
  return { ...result, api, user, nav: fullNav };
}

/** Runs axe on the document (or an element) and fails with the violations listed. */
export async function expectNoAxeViolations(node: Element = document.body) {
  const results = await axe.run(node, {
    // jsdom cannot compute colours; contrast is checked in Chromium by the e2e tests.
    rules: { 'color-contrast': { enabled: false } },
  });
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary).toEqual([]);
}

/** Opens settings on the AI keys tab from the app's header. */
export async function openSettings(r: Rendered) {
  await r.user.click(await screen.findByRole('button', { name: /^settings$/i }));
  return screen.findByRole('dialog', { name: 'Settings' });
}

export async function waitForLoaded() {
  await waitFor(() => expect(screen.queryByText('Loading…')).not.toBeInTheDocument());
}

export { screen, waitFor, within };
