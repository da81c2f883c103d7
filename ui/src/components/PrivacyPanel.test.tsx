import { describe, expect, it, vi } from 'vitest';
import { expectNoAxeViolations, openSettings, renderApp, screen, waitFor, within } from '../test/render';

describe('Privacy panel', () => {
  it('says where keys are kept, that they never go to Taskly, and the route per provider', async () => {
    const r = renderApp({ seed: 'demo' });
    const dialog = await openSettings(r);
    await r.user.click(within(dialog).getByRole('tab', { name: /Privacy/ }));
    const panel = within(dialog).getByRole('tabpanel', { name: /Privacy/ });
    await waitFor(() => expect(panel).toHaveTextContent('In Secret Service, the credential store of this computer.'));
    expect(panel).toHaveTextContent('Working');
    expect(panel).toHaveTextContent('It is never sent to Taskly');
    const routes = within(panel).getByRole('list', { name: 'Route per provider' });
    expect(routes).toHaveTextContent('OpenAIYour key “Work” sk-proj-…a1b2 → api.openai.com');
    expect(routes).toHaveTextContent('All other providers');
    expect(routes).toHaveTextContent('Anthropic');
    await expectNoAxeViolations();
  });

  it('has "Use Taskly when my key fails" off by default, explained, and switchable', async () => {
    const r = renderApp({ seed: 'demo' });
    const dialog = await openSettings(r);
    await r.user.click(within(dialog).getByRole('tab', { name: /Privacy/ }));
    const toggle = within(dialog).getByRole('switch', { name: 'Use Taskly when my key fails' });
    expect(toggle).not.toBeChecked();
    expect(toggle).toHaveAccessibleDescription(expect.stringContaining("passes through Taskly's servers"));
    await r.user.click(toggle);
    await waitFor(() => expect(toggle).toBeChecked());
    expect(r.api.calls.find((c) => c.command === 'set_fallback_to_taskly')?.args).toEqual({ enabled: true });
  });
});

describe('Credential store banner', () => {
  it('is prominent when the store is not working, with its error', async () => {
    renderApp({ credentialStoreWorking: false });
    const banners = await screen.findAllByTestId('store-banner');
    expect(banners[0]).toHaveAttribute('role', 'alert');
    expect(banners[0]).toHaveTextContent('Your credential store (Secret Service) is not working');
    expect(banners[0]).toHaveTextContent('no Secret Service provider is running');
    await expectNoAxeViolations();
  });

  it('is absent when the store works', async () => {
    renderApp();
    await screen.findByRole('heading', { name: 'Where your questions go' });
    await waitFor(() => expect(screen.queryByText('Loading…')).not.toBeInTheDocument());
    expect(screen.queryByTestId('store-banner')).not.toBeInTheDocument();
  });
});

describe('Demo mode', () => {
  it('says when “Taskly” is the local demo service', async () => {
    renderApp({ demo: true });
    expect(await screen.findByTestId('demo-notice')).toHaveTextContent('stand-in service running on this computer');
    expect(screen.getByText('Demo')).toBeInTheDocument();
  });
});

describe('No key in web storage or the console', () => {
  it('keeps the typed key out of localStorage, sessionStorage and console output', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m));
    const r = renderApp();
    await openSettings(r);
    const secret = 'sk-proj-StorageCanary0123456789abcdQQ';
    await r.user.click(await screen.findByLabelText('OpenAI API key'));
    await r.user.paste(secret);
    await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
    await screen.findByTestId('save-outcome');
    const stored = [localStorage, sessionStorage].flatMap((s) =>
      Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) ?? '')}`),
    );
    expect(stored.join('\n')).not.toContain('StorageCanary');
    for (const spy of spies) {
      expect(JSON.stringify(spy.mock.calls)).not.toContain('StorageCanary');
    }
    expect(JSON.stringify(r.api.calls)).not.toContain('StorageCanary');
  });
});
