import { describe, expect, it } from 'vitest';
import { expectNoAxeViolations, openSettings, renderApp, screen, waitFor, within } from '../../test/render';
import type { MockOptions } from '../../ipc/mock';

async function settingsWith(options: MockOptions) {
  const r = renderApp(options);
  const dialog = await openSettings(r);
  await within(dialog).findByRole('list', { name: 'Your AI keys' });
  return r;
}

const card = (name: string) => screen.getByRole('listitem', { name });
const order = (name: string) => within(card(name)).getByTestId('key-order');

describe('Backup keys on the key cards', () => {
  it('shows the order per provider: in use, then the backups in order, then off', async () => {
    await settingsWith({ seed: 'backups' });
    const openai = screen.getAllByRole('listitem').filter((li) => li.textContent?.includes('OpenAI'));
    expect(openai.map((li) => within(li).getByRole('heading').textContent)).toEqual(['Main', 'Work', 'Spare']);
    expect(order('Main')).toHaveTextContent('In use');
    expect(order('Work')).toHaveTextContent('Backup 1');
    expect(order('Spare')).toHaveTextContent('Backup 2');
    expect(card('Work')).toHaveTextContent('Backup 1: answers when “Main” fails.');
    expect(within(card('Main')).getByRole('button', { name: 'Use as backup: “Main”' })).toBeInTheDocument();
    expect(within(card('Work')).getByRole('button', { name: 'Use this key: “Work” for OpenAI' })).toBeInTheDocument();
    expect(within(card('Work')).getByRole('button', { name: 'Switch off: “Work”' })).toBeInTheDocument();
    await expectNoAxeViolations();
  });

  it('makes a key a backup, the key in use, or switches it off', async () => {
    const r = await settingsWith({ seed: 'backups' });
    await r.user.click(within(card('Work')).getByRole('button', { name: 'Switch off: “Work”' }));
    await waitFor(() => expect(order('Work')).toHaveTextContent('Off'));
    expect(order('Spare')).toHaveTextContent('Backup 1');

    await r.user.click(within(card('Work')).getByRole('button', { name: 'Use as backup: “Work”' }));
    expect(await screen.findByTestId('switch-notice')).toHaveTextContent('“Work” is now a backup for OpenAI');
    await waitFor(() => expect(order('Work')).toHaveTextContent('Backup 2'));
    expect(r.api.calls.some((c) => c.command === 'set_backup' && (c.args as { id: string }).id === 'k_work00openai')).toBe(true);

    await r.user.click(within(card('Spare')).getByRole('button', { name: 'Use this key: “Spare” for OpenAI' }));
    await waitFor(() => expect(order('Spare')).toHaveTextContent('In use'));
    // The old key in use is switched off, as the core does.
    expect(order('Main')).toHaveTextContent('Off');
    expect(order('Work')).toHaveTextContent('Backup 1');
  });

  it('can be reordered with the keyboard alone', async () => {
    const r = await settingsWith({ seed: 'backups' });
    const button = within(card('Main')).getByRole('button', { name: 'Use as backup: “Main”' });
    button.focus();
    await r.user.keyboard('{Enter}');
    await waitFor(() => expect(order('Main')).toHaveTextContent('Backup 3'));
  });

  it('says why a key rests and until when, with Check again right there', async () => {
    const r = await settingsWith({ seed: 'rests', retryAfterSecs: 18 });
    const main = within(card('Main')).getByTestId('key-rest');
    expect(main).toHaveAttribute('data-cause', 'rate_limited');
    expect(main).toHaveTextContent(/Rate-limited — free again in 1[78] s/);
    const work = within(card('Work')).getByTestId('key-rest');
    expect(work).toHaveTextContent('Out of quota — resting until you check it again or tomorrow');
    const old = within(card('Old')).getByTestId('key-rest');
    expect(old).toHaveTextContent('Refused as invalid — not used until you check it again');
    expect(old).toHaveTextContent('Incorrect API key provided');
    expect(within(card('Spare')).queryByTestId('key-rest')).not.toBeInTheDocument();
    await expectNoAxeViolations();

    // Work's account was topped up: checking it again ends the rest.
    await r.user.click(within(work).getByRole('button', { name: 'Check again “Work”' }));
    await waitFor(() => expect(within(card('Work')).queryByTestId('key-rest')).not.toBeInTheDocument());
    expect(card('Work')).toHaveTextContent('Verified just now.');
    // Old is still refused: it keeps resting.
    await r.user.click(within(old).getByRole('button', { name: 'Check again “Old”' }));
    await waitFor(() => expect(card('Old')).toHaveTextContent('OpenAI refused this key.'));
    expect(within(card('Old')).getByTestId('key-rest')).toHaveTextContent('Refused as invalid');
  });

  it('counts a rate limit down live and drops the rest when it is over', async () => {
    await settingsWith({ seed: 'rests', retryAfterSecs: 2 });
    const rest = within(card('Main')).getByTestId('key-rest');
    expect(rest).toHaveTextContent(/free again in [12] s/);
    await waitFor(() => expect(within(card('Main')).queryByTestId('key-rest')).not.toBeInTheDocument(), { timeout: 4000 });
  });

  it('shows the provider’s own figures next to the local count, and refreshes them on Check again', async () => {
    const r = await settingsWith({ seed: 'backups' });
    const router = card('Router');
    const balance = await within(router).findByTestId('key-balance');
    expect(balance).toHaveTextContent(/^OpenRouter says: \$3\.21 used of \$10\.00, \$6\.79 left · as of \d\d:\d\d/);
    expect(router).toHaveTextContent('Today: 3 requests');
    expect(await within(card('DeepSeek')).findByTestId('key-balance')).toHaveTextContent('DeepSeek says: 110.00 CNY balance');
    expect(card('Main')).toHaveTextContent('OpenAI has no call a normal key may use to read its spend');
    expect(within(card('Main')).queryByTestId('key-balance')).not.toBeInTheDocument();

    await r.user.click(within(router).getByRole('button', { name: 'Check again “Router”' }));
    await waitFor(() => expect(within(card('Router')).getByTestId('key-balance')).not.toHaveTextContent('$3.21 used'));
    const calls = r.api.calls.filter((c) => c.command === 'provider_balance').map((c) => (c.args as { id: string }).id);
    expect(calls.filter((id) => id === 'k_router000001').length).toBeGreaterThanOrEqual(2);
    // No key without a spend call is ever asked for one.
    expect(calls).not.toContain('k_main00openai');
    await expectNoAxeViolations();
  });
});
