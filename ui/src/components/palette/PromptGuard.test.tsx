// The prompt guard in the palette: a question holding something key-shaped is stopped before it
// is sent (the core's `prompt_has_secret`), with "Edit question" and "Send anyway".
import { describe, expect, it } from 'vitest';
import { expectNoAxeViolations, renderApp, screen, waitFor, within } from '../../test/render';

const KEY = 'sk-proj-Abcdefghijklmnopqrstuvwx1234';
const QUESTION = `Why does ${KEY} fail?`;

async function openPalette() {
  const r = renderApp({ seed: 'demo' });
  await screen.findByRole('heading', { name: 'Where your questions go' });
  await waitFor(() => expect(screen.queryByText('Loading…')).not.toBeInTheDocument());
  await r.user.keyboard('{Control>}k{/Control}');
  const dialog = await screen.findByRole('dialog', { name: 'Ask AI' });
  const input = within(dialog).getByRole('textbox', { name: /Your question for/ });
  await waitFor(() => expect(input).toHaveFocus());
  return { ...r, dialog, input };
}

const lastTurn = () => screen.getAllByTestId('turn').at(-1)!;

type Request = { allow_secrets: boolean; messages: { content: string }[] };
const requests = (calls: { command: string; args: unknown }[]) =>
  calls.filter((c) => c.command === 'chat_start').map((c) => (c.args as { request: Request }).request);

async function blocked(r: Awaited<ReturnType<typeof openPalette>>) {
  await r.user.keyboard(QUESTION);
  await r.user.keyboard('{Enter}');
  await waitFor(() => expect(lastTurn()).toHaveAttribute('data-status', 'failed'));
  const card = within(lastTurn()).getByTestId('chat-error');
  expect(card).toHaveAttribute('data-code', 'prompt_has_secret');
  return card;
}

describe('The prompt guard in the palette', () => {
  it('says nothing was sent, naming the key masked, with Edit question and Send anyway', async () => {
    const r = await openPalette();
    const card = await blocked(r);
    expect(within(card).getByText('Not sent: this looks like an API key')).toBeInTheDocument();
    expect(card).toHaveTextContent('(OpenAI key sk-proj-…1234): remove it before sending. Nothing was sent.');
    expect(within(card).getByRole('button', { name: 'Edit question' })).toBeInTheDocument();
    expect(within(card).getByRole('button', { name: 'Send anyway' })).toBeInTheDocument();
    expect(requests(r.api.calls)).toEqual([expect.objectContaining({ allow_secrets: false })]);
    expect(screen.getByTestId('palette-status')).toHaveTextContent('Nothing was sent');
    await expectNoAxeViolations();
  });

  it('Edit question puts the question back in the field, focused, and drops the blocked turn', async () => {
    const r = await openPalette();
    const card = await blocked(r);
    expect(r.input).toHaveValue('');
    await r.user.click(within(card).getByRole('button', { name: 'Edit question' }));
    await waitFor(() => expect(r.input).toHaveFocus());
    expect(r.input).toHaveValue(QUESTION);
    expect(screen.queryAllByTestId('turn')).toHaveLength(0);
    // Edited, it goes out as any question does.
    await r.user.clear(r.input);
    await r.user.keyboard('Why does my key fail?{Enter}');
    await waitFor(() => expect(lastTurn()).toHaveAttribute('data-status', 'done'));
    expect(requests(r.api.calls).map((q) => q.allow_secrets)).toEqual([false, false]);
  });

  it('Send anyway sends the same question with allow_secrets, and it is answered', async () => {
    const r = await openPalette();
    const card = await blocked(r);
    await r.user.click(within(card).getByRole('button', { name: 'Send anyway' }));
    await waitFor(() => expect(lastTurn()).toHaveAttribute('data-status', 'done'));
    expect(screen.getAllByTestId('turn')).toHaveLength(1);
    const sent = requests(r.api.calls);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(expect.objectContaining({ allow_secrets: true }));
    expect(sent[1]?.messages.at(-1)?.content).toBe(QUESTION);
    await waitFor(() => expect(r.input).toHaveFocus());
    // The next question is guarded again.
    await r.user.keyboard('And now?{Enter}');
    await waitFor(() => expect(screen.getAllByTestId('turn')).toHaveLength(2));
    await waitFor(() => expect(lastTurn()).toHaveAttribute('data-status', 'done'));
    expect(requests(r.api.calls)[2]).toEqual(expect.objectContaining({ allow_secrets: false }));
  });
});
