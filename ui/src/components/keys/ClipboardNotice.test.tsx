// After a key is saved from the app, the clipboard that still holds it is offered for clearing.
import { describe, expect, it } from 'vitest';
import { expectNoAxeViolations, renderWith, screen, waitFor, within } from '../../test/render';
import { AddKeyForm } from './AddKeyForm';
import { KeyList } from './KeyList';

const GOOD = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123a1b2';

async function saveKey() {
  const r = renderWith(<AddKeyForm />);
  const field = await screen.findByLabelText('OpenAI API key');
  await r.user.click(field);
  await r.user.paste(GOOD);
  await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
  await screen.findByTestId('save-outcome');
  return r;
}

const commands = (calls: { command: string }[]) => calls.map((c) => c.command).filter((c) => c.startsWith('clipboard_'));

describe('The clipboard after saving a key', () => {
  it('says the clipboard still holds the key, and clears it on request', async () => {
    const r = await saveKey();
    const notice = await screen.findByTestId('clipboard-notice');
    expect(notice).toHaveTextContent('Your clipboard still holds this key.');
    expect(notice).toHaveTextContent('It is cleared automatically in 60 seconds unless you copy something else.');
    expect(commands(r.api.calls)).toEqual(['clipboard_offer']);
    await expectNoAxeViolations();
    await r.user.click(within(notice).getByRole('button', { name: 'Clear clipboard' }));
    await waitFor(() => expect(screen.getByTestId('clipboard-notice')).toHaveTextContent('Clipboard cleared.'));
    expect(screen.getByText('Clipboard cleared.')).toHaveFocus();
    expect(commands(r.api.calls)).toEqual(['clipboard_offer', 'clipboard_clear']);
  });

  it('says so when the clipboard had already changed', async () => {
    const r = await saveKey();
    const notice = await screen.findByTestId('clipboard-notice');
    r.api.copyToClipboard();
    await r.user.click(within(notice).getByRole('button', { name: 'Clear clipboard' }));
    await waitFor(() => expect(screen.getByTestId('clipboard-notice')).toHaveTextContent('Your clipboard had already changed'));
  });

  it('shows nothing when the clipboard does not hold the key', async () => {
    const r = renderWith(<AddKeyForm />);
    const field = await screen.findByLabelText('OpenAI API key');
    await r.user.click(field);
    await r.user.paste(GOOD);
    // Typed by hand, say: the clipboard holds something else by the time it is saved.
    const offer = r.api.clipboardOffer.bind(r.api);
    r.api.clipboardOffer = async () => {
      r.api.copyToClipboard();
      return offer();
    };
    await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
    await screen.findByTestId('save-outcome');
    await waitFor(() => expect(commands(r.api.calls)).toEqual(['clipboard_offer']));
    expect(screen.queryByTestId('clipboard-notice')).not.toBeInTheDocument();
  });

  it('is offered after a key is replaced too', async () => {
    const r = renderWith(<KeyList focus={null} now={Date.now()} />, { seed: 'demo' });
    const card = (await screen.findByRole('heading', { name: 'Work' })).closest('li')!;
    await r.user.click(within(card as HTMLElement).getByRole('button', { name: /Replace key of “Work”/ }));
    const form = screen.getByRole('form', { name: 'Replace the key of “Work”' });
    await r.user.click(within(form).getByLabelText('New OpenAI API key'));
    await r.user.paste('sk-proj-NewOne0123456789abcdefNEW1');
    await r.user.click(within(form).getByRole('button', { name: 'Check and replace' }));
    const notice = await within(card as HTMLElement).findByTestId('clipboard-notice');
    expect(notice).toHaveTextContent('Your clipboard still holds this key.');
  });
});
