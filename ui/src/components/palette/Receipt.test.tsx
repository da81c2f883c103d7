import { describe, expect, it } from 'vitest';
import { applyEvent, type Turn } from '../../state/chat';
import type { MockOptions } from '../../ipc/mock';
import { expectNoAxeViolations, renderApp, screen, waitFor, within } from '../../test/render';

async function openPalette(options: MockOptions) {
  const r = renderApp(options);
  await screen.findByRole('heading', { name: 'Where your questions go' });
  await waitFor(() => expect(screen.queryByText('Loading…')).not.toBeInTheDocument());
  await r.user.keyboard('{Control>}k{/Control}');
  const dialog = await screen.findByRole('dialog', { name: 'Ask AI' });
  await waitFor(() => expect(within(dialog).getByRole('textbox', { name: /Your question for/ })).toHaveFocus());
  return r;
}

const lastTurn = () => screen.getAllByTestId('turn').at(-1)!;

async function askAndFinish(r: Awaited<ReturnType<typeof openPalette>>, text: string) {
  const before = screen.queryAllByTestId('turn').length;
  await r.user.click(screen.getByRole('textbox', { name: /Your question for/ }));
  await r.user.keyboard(text);
  await r.user.keyboard('{Enter}');
  await waitFor(() => expect(screen.getAllByTestId('turn')).toHaveLength(before + 1));
  await waitFor(() => expect(lastTurn()).toHaveAttribute('data-status', 'done'), { timeout: 5000 });
  return lastTurn();
}

describe('The receipt under an answer', () => {
  it('is one line, and a keyboard-operable disclosure opens the details with why this route', async () => {
    const r = await openPalette({ seed: 'backups' });
    const turn = await askAndFinish(r, 'Hello');
    const line = within(turn).getByTestId('receipt-line');
    expect(line).toHaveTextContent(/^“Main” sk-proj-…M41n · gpt-4o-mini-2024-07-18 · \d+ in \/ \d+ out · (~\$0\.\d{4}|under \$0\.0001) · \d+\.\d s$/);
    const toggle = within(turn).getByRole('button', { name: /^Receipt:/ });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(within(turn).queryByTestId('receipt-details')).not.toBeInTheDocument();
    toggle.focus();
    await r.user.keyboard('{Enter}');
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const details = within(turn).getByTestId('receipt-details');
    expect(toggle).toHaveAttribute('aria-controls', details.id);
    expect(details).toHaveTextContent('Why this routeprimary');
    expect(details).toHaveTextContent('Model askedgpt-4o-mini');
    expect(details).toHaveTextContent('Model answeredgpt-4o-mini-2024-07-18');
    expect(details).toHaveTextContent('Paid byYour key “Main” sk-proj-…M41n');
    await expectNoAxeViolations();
    await r.user.keyboard(' ');
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
  });

  it('a rate-limited key fails over to the backup at once, says so live, and the receipt says why', async () => {
    const r = await openPalette({ seed: 'backups', retryAfterSecs: 18 });
    const turn = await askAndFinish(r, 'Quick question #ratelimit');
    expect(within(turn).getByTestId('failover-notice')).toHaveTextContent('“Main” was rate-limited; your backup “Work” answers.');
    expect(within(turn).getByTestId('answer-route')).toHaveTextContent('Your OpenAI key sk-proj-…W0rk');
    expect(within(turn).getByTestId('receipt-line')).toHaveTextContent(/^“Work” sk-proj-…W0rk/);
    await r.user.click(within(turn).getByRole('button', { name: /^Receipt:/ }));
    expect(within(turn).getByTestId('receipt-details')).toHaveTextContent('backup: `Main` was rate-limited, free again in 18 s');
    expect(within(turn).queryByTestId('chat-error')).not.toBeInTheDocument();
    // The key rests: the next question goes to the backup without trying Main.
    const next = await askAndFinish(r, 'And another');
    expect(within(next).queryByTestId('failover-notice')).not.toBeInTheDocument();
    await r.user.click(within(next).getByRole('button', { name: /^Receipt:/ }));
    expect(within(next).getByTestId('receipt-details')).toHaveTextContent(/backup: `Main` was rate-limited, free again in 1[78] s/);
    const receipts = await r.api.recentRequests(10);
    expect(receipts.map((x) => x.route.label)).toEqual(['Work', 'Work']);
  });

  it('Taskly answers only as the last step, with fallback on, and the receipt names every key it passed', async () => {
    const r = await openPalette({ seed: 'rests', retryAfterSecs: 60, fallbackToTaskly: true });
    const turn = await askAndFinish(r, 'Long one #quota');
    expect(within(turn).getByTestId('answer-route')).toHaveTextContent('Taskly');
    await r.user.click(within(turn).getByRole('button', { name: /^Receipt:/ }));
    expect(within(turn).getByTestId('receipt-details')).toHaveTextContent(
      /Taskly: fallback is on and `Main` was rate-limited, free again in (60|59) s; `Work` is out of quota; `Old` was refused as invalid; `Spare` is out of quota/,
    );
    expect(r.api.snapshot().find((k) => k.label === 'Spare')?.rest?.cause).toBe('quota');
  });

  it('a failing_over event is kept on the turn, and the next started names the backup', () => {
    const turn: Turn = {
      id: 't1', question: 'q', provider: 'openai', model: null, status: 'waiting', text: '', answeredModel: null,
      route: { kind: 'personal', provider: 'openai', key_id: 'a', label: 'Main', masked: 'sk-…a', fallback: false, account: null },
      usage: null, warnings: [], retry: null, fallback: null, failovers: [], receipt: null, error: null, errorAt: null, allowSecrets: false,
    };
    const error = { code: 'invalid_key', message: 'refused', action: 'update_key' } as never;
    const over = applyEvent(turn, { type: 'failing_over', error }, 0);
    expect(over.failovers).toEqual([{ error, from: turn.route, to: null }]);
    const backup = { ...turn.route!, key_id: 'b', label: 'Work' };
    const started = applyEvent(over, { type: 'started', route: backup, model: 'gpt-4o-mini' }, 1);
    expect(started.failovers[0]?.to).toEqual(backup);
    expect(started.route).toEqual(backup);
  });
});
