import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { createMockUpdatesApi, type UpdateCheck, type UpdateErrorPayload, type UpdatesApi } from '../../ipc/updates';
import { expectNoAxeViolations, openSettings, renderApp } from '../../test/render';
import { AboutUpdates } from './AboutUpdates';
import { UpdatesProvider } from './UpdatesProvider';

const UP_TO_DATE: UpdateCheck = { currentVersion: '0.1.0', available: null };

function renderUpdates(api: UpdatesApi, checkAtStart = false) {
  const user = userEvent.setup();
  render(
    <UpdatesProvider api={api} checkAtStart={checkAtStart}>
      <AboutUpdates />
    </UpdatesProvider>,
  );
  return { user };
}

describe('Update dialog', () => {
  it('shows the new version and its notes, then downloads with a progress bar and installs', async () => {
    const api = createMockUpdatesApi('available');
    const check = vi.spyOn(api, 'checkForUpdates');
    renderUpdates(api, true);
    const dialog = await screen.findByRole('dialog', { name: 'Taskly Desktop 0.2.0 is available' });
    expect(check).toHaveBeenCalledWith(true);
    expect(dialog).toHaveTextContent('You have 0.1.0.');
    expect(within(dialog).getByRole('region', { name: 'Release notes' })).toHaveTextContent('Fixes a crash on start');
    expect(dialog).toHaveTextContent('Your keys and settings stay as they are');
    await expectNoAxeViolations();

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    api.downloadUpdate = async (onProgress) => {
      onProgress({ downloaded: 1_500_000, total: 3_000_000 });
      await gate;
      return '0.2.0';
    };
    const user = userEvent.setup();
    await user.click(within(dialog).getByRole('button', { name: 'Install now' }));
    const bar = await screen.findByRole('progressbar', { name: 'Downloading Taskly Desktop 0.2.0' });
    await waitFor(() => expect(bar).toHaveAttribute('value', '50'));
    expect(screen.getByRole('dialog')).toHaveTextContent('1.5 MB of 3.0 MB (50%)');
    expect(screen.getByRole('dialog')).toHaveTextContent('The signature is checked before anything is installed.');
    // No way out while bytes arrive.
    expect(within(screen.getByRole('dialog')).queryByRole('button', { name: 'Close' })).not.toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.getByRole('dialog')).toBeInTheDocument();

    release();
    await screen.findByRole('dialog', { name: 'Installing 0.2.0' });
    await waitFor(() => expect(api.installed).toBe(true));
  });

  it('"Later" closes it and installs nothing', async () => {
    const api = createMockUpdatesApi('available');
    const download = vi.spyOn(api, 'downloadUpdate');
    renderUpdates(api, true);
    const dialog = await screen.findByRole('dialog', { name: /is available/ });
    await userEvent.setup().click(within(dialog).getByRole('button', { name: 'Later' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(download).not.toHaveBeenCalled();
    expect(api.installed).toBe(false);
  });

  it('says "you\'re up to date" when asked, and nothing at all after a quiet check at start', async () => {
    const api: UpdatesApi = { ...createMockUpdatesApi('none'), checkForUpdates: vi.fn(async () => UP_TO_DATE) };
    const { user } = renderUpdates(api, true);
    await waitFor(() => expect(api.checkForUpdates).toHaveBeenCalledWith(true));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Check for updates' }));
    const dialog = await screen.findByRole('dialog', { name: 'You’re up to date' });
    expect(api.checkForUpdates).toHaveBeenLastCalledWith(false);
    expect(dialog).toHaveTextContent('Taskly Desktop 0.1.0 is the newest version.');
    await expectNoAxeViolations();
  });

  it('stays silent when the check at start fails (offline), and explains it when asked', async () => {
    const api = createMockUpdatesApi('offline');
    const { user } = renderUpdates(api, true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Check for updates' }));
    const dialog = await screen.findByRole('dialog', { name: 'Couldn’t check for updates' });
    expect(within(dialog).getByRole('alert')).toHaveTextContent('Could not reach the update server');
    expect(within(dialog).getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('shows a refused download (bad signature) as a refusal, with nothing installed', async () => {
    const api = createMockUpdatesApi('tampered');
    const install = vi.spyOn(api, 'installUpdate');
    const { user } = renderUpdates(api, true);
    const dialog = await screen.findByRole('dialog', { name: /is available/ });
    await user.click(within(dialog).getByRole('button', { name: 'Install now' }));
    const refused = await screen.findByRole('dialog', { name: 'Update refused' });
    const alert = within(refused).getByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'update_signature_invalid');
    expect(alert).toHaveTextContent('Nothing was installed; your current version keeps working.');
    expect(within(refused).queryByRole('button', { name: 'Try again' })).not.toBeInTheDocument();
    expect(install).not.toHaveBeenCalled();
    await expectNoAxeViolations();
  });

  it('shows an older release offered by the server as refused', async () => {
    const downgrade: UpdateErrorPayload = {
      code: 'update_downgrade_refused',
      message:
        'The update server offers version 0.0.9, which is older than the version you have (0.1.0). Taskly never installs an older version; nothing was changed.',
      action: 'none',
    };
    const api: UpdatesApi = { ...createMockUpdatesApi('none'), checkForUpdates: vi.fn(async () => Promise.reject(downgrade)) };
    const { user } = renderUpdates(api);
    await user.click(screen.getByRole('button', { name: 'Check for updates' }));
    const dialog = await screen.findByRole('dialog', { name: 'Update refused' });
    expect(dialog).toHaveTextContent('Taskly never installs an older version');
  });

  it('is reachable from the command palette and from Settings', async () => {
    const r = renderApp({ seed: 'demo' });
    // Settings: a "Check for updates" button next to the version.
    const settings = await openSettings(r);
    await r.user.click(within(settings).getByRole('button', { name: 'Check for updates' }));
    await screen.findByRole('dialog', { name: 'You’re up to date' });
    await r.user.click(screen.getByRole('button', { name: 'OK' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'You’re up to date' })).not.toBeInTheDocument());
    await r.user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Settings' })).not.toBeInTheDocument());

    // Palette: typing "update" offers the command.
    await r.user.keyboard('{Control>}k{/Control}');
    const palette = await screen.findByRole('dialog', { name: 'Ask AI' });
    const input = within(palette).getByRole('textbox', { name: /Your question for/ });
    await waitFor(() => expect(input).toHaveFocus());
    await r.user.keyboard('update');
    await r.user.click(await screen.findByRole('option', { name: 'Check for updates' }));
    await screen.findByRole('dialog', { name: 'You’re up to date' });
    expect(screen.queryByRole('dialog', { name: 'Ask AI' })).not.toBeInTheDocument();
  });
});
