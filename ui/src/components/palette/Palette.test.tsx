import { act, fireEvent } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { expectNoAxeViolations, renderApp, screen, waitFor, within, type Rendered } from '../../test/render';
import type { MockOptions } from '../../ipc/mock';

async function openPalette(options: MockOptions = {}) {
  const r = renderApp(options);
  await screen.findByRole('heading', { name: 'Where your questions go' });
  await waitFor(() => expect(screen.queryByText('Loading…')).not.toBeInTheDocument());
  await r.user.keyboard('{Control>}k{/Control}');
  const dialog = await screen.findByRole('dialog', { name: 'Ask AI' });
  const input = within(dialog).getByRole('textbox', { name: /Your question for/ });
  await waitFor(() => expect(input).toHaveFocus());
  return { ...r, dialog, input };
}

async function ask(r: Rendered, text: string) {
  await r.user.keyboard(text);
  await r.user.keyboard('{Enter}');
}

const lastTurn = () => screen.getAllByTestId('turn').at(-1)!;

async function finished() {
  await waitFor(() => expect(lastTurn()).toHaveAttribute('data-status', 'done'), { timeout: 5000 });
  return lastTurn();
}

async function failed(code: string) {
  await waitFor(() => expect(lastTurn()).toHaveAttribute('data-status', 'failed'), { timeout: 5000 });
  const error = within(lastTurn()).getByTestId('chat-error');
  expect(error).toHaveAttribute('data-code', code);
  return error;
}

describe('Command palette chat', () => {
  it('opens with Ctrl+K focused on the question, and shows where it goes', async () => {
    const { dialog } = await openPalette({ seed: 'demo' });
    expect(within(dialog).getByTestId('expected-route')).toHaveTextContent('Your OpenAI key sk-proj-…a1b2');
    expect(within(dialog).getByRole('combobox', { name: 'Provider' })).toHaveTextContent('OpenAI');
    expect(within(dialog).getByRole('combobox', { name: 'Model' })).toHaveTextContent('gpt-4o-mini');
    await expectNoAxeViolations();
  });

  it('also opens on the shell’s palette://open event', async () => {
    const r = renderApp();
    await screen.findByRole('heading', { name: 'Where your questions go' });
    act(() => r.api.emitPaletteOpen());
    expect(await screen.findByRole('dialog', { name: 'Ask AI' })).toBeInTheDocument();
  });

  it('streams the answer as Markdown through the personal key, with tokens used', async () => {
    const r = await openPalette({ seed: 'demo' });
    await ask(r, 'Hello there');
    const turn = await finished();
    expect(within(turn).getByTestId('answer-route')).toHaveTextContent('Your OpenAI key sk-proj-…a1b2');
    expect(within(turn).getByTestId('answer-text')).toHaveTextContent('You asked:');
    await waitFor(() => expect(within(turn).getByTestId('answer-text').querySelector('blockquote')).toHaveTextContent('Hello there'));
    expect(within(turn).getByTestId('answer-footer')).toHaveTextContent(/Tokens used: \d+ in · \d+ out/);
    expect(screen.getByTestId('palette-status')).toHaveTextContent('Answer complete from Your OpenAI key sk-proj-…a1b2.');
    expect(r.input).toHaveValue('');
    const start = r.api.calls.find((c) => c.command === 'chat_start')?.args as { request: unknown };
    expect(start.request).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello there' }],
      max_tokens: null,
      allow_secrets: false,
    });
    await expectNoAxeViolations();
  });

  it('answers through Taskly without an enabled key', async () => {
    const r = await openPalette();
    expect(within(r.dialog).getByTestId('expected-route')).toHaveTextContent(/^Taskly$/);
    await ask(r, 'Hi');
    const turn = await finished();
    expect(within(turn).getByTestId('answer-route')).toHaveTextContent(/^Taskly$/);
  });

  it('Shift+Enter adds a line, Enter sends, and the conversation continues', async () => {
    const r = await openPalette({ seed: 'demo' });
    await r.user.keyboard('line one{Shift>}{Enter}{/Shift}line two');
    expect(r.input).toHaveValue('line one\nline two');
    await r.user.keyboard('{Enter}');
    await finished();
    await ask(r, 'And then?');
    await finished();
    const second = r.api.calls.filter((c) => c.command === 'chat_start')[1]?.args as { request: { messages: { role: string }[] } };
    expect(second.request.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('Esc stops a running answer, then closes the palette', async () => {
    const r = await openPalette({ seed: 'demo', chunkDelayMs: 20 });
    await ask(r, 'Tell me a long story #slow');
    await waitFor(() => expect(lastTurn()).toHaveAttribute('data-status', 'streaming'));
    await r.user.keyboard('{Escape}');
    await waitFor(() => expect(lastTurn()).toHaveAttribute('data-status', 'cancelled'));
    expect(screen.getByRole('dialog', { name: 'Ask AI' })).toBeInTheDocument();
    expect(r.api.calls.some((c) => c.command === 'chat_cancel')).toBe(true);
    expect(lastTurn()).toHaveTextContent('Stopped.');
    await r.user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Ask AI' })).not.toBeInTheDocument());
  });

  it('keeps the conversation while closed, and clears it on request', async () => {
    const r = await openPalette({ seed: 'demo' });
    await ask(r, 'Remember me');
    await finished();
    await r.user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Ask AI' })).not.toBeInTheDocument());
    expect(screen.getByText('Remember me')).toBeInTheDocument();
    await r.user.keyboard('{Control>}k{/Control}');
    const dialog = await screen.findByRole('dialog', { name: 'Ask AI' });
    expect(within(dialog).getAllByTestId('turn')).toHaveLength(1);
    await r.user.click(within(dialog).getByRole('button', { name: 'Clear conversation' }));
    expect(within(dialog).queryAllByTestId('turn')).toHaveLength(0);
  });

  it('offers actions as you type (arrow keys reach them)', async () => {
    const r = await openPalette({ seed: 'demo' });
    await r.user.keyboard('privacy');
    expect(screen.getByRole('option', { name: /Ask OpenAI/ })).toHaveAttribute('aria-selected', 'true');
    await r.user.keyboard('{ArrowDown}');
    expect(screen.getByRole('option', { name: 'Open privacy settings' })).toHaveAttribute('aria-selected', 'true');
    await r.user.keyboard('{Enter}');
    const settings = await screen.findByRole('dialog', { name: 'Settings' });
    expect(within(settings).getByRole('tab', { name: /Privacy/ })).toHaveAttribute('aria-selected', 'true');
  });

  it('shows a retry with its wait, then the answer', async () => {
    const r = await openPalette({ seed: 'demo' });
    await ask(r, 'Busy? #retry');
    const notice = await screen.findByTestId('retry-notice');
    expect(notice).toHaveTextContent(/Retrying in \d s \(attempt 1 of 2\)/);
    expect(notice).toHaveTextContent('OpenAI is having trouble (HTTP 503)');
    await finished();
    expect(screen.queryByTestId('retry-notice')).not.toBeInTheDocument();
  });
});

describe('Palette errors and their actions', () => {
  it('invalid key → "Update key" opens that key in settings, ready for a new key', async () => {
    const r = await openPalette({ seed: 'demo' });
    await ask(r, 'Hi #invalid');
    const error = await failed('invalid_key');
    expect(error).toHaveTextContent('OpenAI refused your key');
    expect(error).toHaveTextContent('OpenAI refused this key (HTTP 401)');
    await expectNoAxeViolations();
    await r.user.click(within(error).getByRole('button', { name: 'Update key' }));
    const settings = await screen.findByRole('dialog', { name: 'Settings' });
    const field = await within(settings).findByLabelText('New OpenAI API key');
    await waitFor(() => expect(field).toHaveFocus());
    expect(within(settings).getByRole('listitem', { name: 'Work' })).toHaveTextContent('Failing');
  });

  it('rate limit → countdown from retry_after_secs, then Retry works', async () => {
    const r = await openPalette({ seed: 'demo', retryAfterSecs: 1 });
    await ask(r, 'Quick one #ratelimit');
    const error = await failed('rate_limited');
    expect(error).toHaveTextContent('Rate limited');
    expect(within(error).getByTestId('retry-countdown')).toHaveTextContent('You can try again in 1 s');
    expect(within(error).queryByRole('button', { name: 'Retry' })).not.toBeInTheDocument();
    const retry = await within(error).findByRole('button', { name: 'Retry' }, { timeout: 3000 });
    await r.user.click(retry);
    const turn = await finished();
    expect(within(turn).getByTestId('answer-route')).toHaveTextContent('Your OpenAI key');
    expect(screen.getAllByTestId('turn')).toHaveLength(1);
  });

  it('quota → opens the billing page in the system browser', async () => {
    const r = await openPalette({ seed: 'demo' });
    await ask(r, 'Hi #quota');
    const error = await failed('quota_exhausted');
    expect(error).toHaveTextContent('Out of quota or credit');
    await r.user.click(within(error).getByRole('link', { name: /Open billing page/ }));
    expect(r.api.calls.filter((c) => c.command === 'open_external').at(-1)?.args).toEqual({
      url: 'https://platform.openai.com/settings/organization/billing/overview',
    });
  });

  it('stream cut → keeps the partial text and offers Retry', async () => {
    const r = await openPalette({ seed: 'demo' });
    await ask(r, 'Long answer please #cut');
    const error = await failed('stream_cut');
    expect(error).toHaveTextContent('The answer was cut off');
    expect(error).toHaveTextContent('The part that arrived is kept above.');
    expect(within(lastTurn()).getByTestId('answer-text')).toHaveTextContent('This is the offline demo');
    await r.user.click(within(error).getByRole('button', { name: 'Retry' }));
    await finished();
  });

  it('outage → typed message and Retry', async () => {
    const r = await openPalette({ seed: 'demo' });
    await ask(r, 'Hi #outage');
    const error = await failed('upstream_outage');
    expect(error).toHaveTextContent('OpenAI is having trouble');
    expect(within(error).getByRole('button', { name: 'Retry' })).toBeInTheDocument();
  });

  it('untrusted certificate → says nothing was sent, links to the certificates help, offers no retry', async () => {
    const r = await openPalette({ seed: 'demo' });
    await ask(r, 'Hi #certificate');
    const error = await failed('untrusted_certificate');
    expect(error).toHaveTextContent('Certificate not trusted');
    expect(error).toHaveTextContent('so nothing was sent to OpenAI');
    expect(within(error).getByRole('link', { name: /About certificates/ })).toHaveAttribute(
      'href',
      'https://taskly.chat/docs/desktop/troubleshooting#proxies-and-certificates',
    );
    expect(within(error).queryByRole('button', { name: /Retry/ })).not.toBeInTheDocument();
  });

  it('model not available → "Pick another model" focuses the model picker', async () => {
    const r = await openPalette({ seed: 'demo' });
    await ask(r, 'Hi #model');
    const error = await failed('model_not_available');
    await r.user.click(within(error).getByRole('button', { name: 'Pick another model' }));
    expect(screen.getByRole('combobox', { name: 'Model' })).toHaveFocus();
  });

  it('with fallback allowed, a failing key is answered by “Taskly (fallback)”', async () => {
    const r = await openPalette({ seed: 'demo', fallbackToTaskly: true });
    await ask(r, 'Hi #ratelimit');
    const turn = await finished();
    expect(within(turn).getByTestId('answer-route')).toHaveTextContent('Taskly (fallback)');
    expect(within(turn).getByTestId('fallback-notice')).toHaveTextContent('Your OpenAI key failed');
  });
});

describe('Answer rendering is sanitised', () => {
  it('renders no raw HTML, drops unsafe links and opens safe ones outside', async () => {
    const r = await openPalette({ seed: 'demo' });
    await ask(r, 'Show me #markdown');
    const turn = await finished();
    const text = within(turn).getByTestId('answer-text');
    await waitFor(() => expect(text.querySelector('table')).not.toBeNull());
    expect(text.querySelector('b')).toBeNull();
    expect(text.querySelector('a[href^="javascript"]')).toBeNull();
    expect(within(text).queryByRole('link', { name: /^link/ })).not.toBeInTheDocument();
    expect(text.querySelector('table')).not.toBeNull();
    const code = within(text).getByRole('button', { name: 'Copy code' });
    expect(code).toBeInTheDocument();
    const docs = within(text).getByRole('link', { name: /the docs/ });
    const click = fireEvent.click(docs);
    expect(click).toBe(false); // default prevented: the web view never navigates
    expect(r.api.calls.filter((c) => c.command === 'open_external').at(-1)?.args).toEqual({ url: 'https://taskly.chat/docs' });
  });
});
