import { fireEvent } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { KEY_RULE_MESSAGES } from '../../lib/keyHygiene';
import { expectNoAxeViolations, renderWith, screen, waitFor, within, type Rendered } from '../../test/render';
import { AddKeyForm } from './AddKeyForm';

const GOOD = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123a1b2';

async function setup() {
  const r = renderWith(<AddKeyForm />);
  const field = await screen.findByLabelText('OpenAI API key');
  return { ...r, field: field as HTMLInputElement };
}

const addCalls = (r: Rendered) => r.api.calls.filter((c) => c.command === 'add_key');

function paste(field: HTMLElement, text: string) {
  fireEvent.paste(field, { clipboardData: { getData: () => text } });
}

describe('Add a key: hygiene rules, inline, before anything is sent', () => {
  it('shows "empty" only on submit, and sends nothing', async () => {
    const r = await setup();
    expect(screen.queryByText(KEY_RULE_MESSAGES.empty)).not.toBeInTheDocument();
    await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
    expect(await screen.findByText(KEY_RULE_MESSAGES.empty)).toBeInTheDocument();
    expect(r.field).toHaveAttribute('aria-invalid', 'true');
    expect(r.field).toHaveFocus();
    expect(addCalls(r)).toHaveLength(0);
  });

  it.each([
    ['multi-line (pasted)', 'sk-abc\ndef-123', KEY_RULE_MESSAGES.multi_line],
    ['a control character', 'sk-abc\tdef-123', KEY_RULE_MESSAGES.control_character],
    ['non-ASCII', 'sk-abc\u201ddef-123', KEY_RULE_MESSAGES.non_ascii],
    ['a space', 'Bearer sk-abcdef-123', KEY_RULE_MESSAGES.contains_space],
    ['over 4 KiB', `sk-${'a'.repeat(4100)}`, KEY_RULE_MESSAGES.too_long],
  ])('refuses %s as it is pasted', async (_name, text, message) => {
    const r = await setup();
    paste(r.field, text);
    expect(await screen.findByText(message)).toBeInTheDocument();
    expect(r.field).toHaveAttribute('aria-invalid', 'true');
    expect(r.field).toHaveAccessibleDescription(expect.stringContaining(message));
    await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
    expect(addCalls(r)).toHaveLength(0);
  });

  it('flags a space as it is typed, and clears the message once fixed', async () => {
    const r = await setup();
    await r.user.type(r.field, 'Bearer sk');
    expect(screen.getByText(KEY_RULE_MESSAGES.contains_space)).toBeInTheDocument();
    await r.user.clear(r.field);
    await r.user.type(r.field, GOOD);
    expect(screen.queryByText(KEY_RULE_MESSAGES.contains_space)).not.toBeInTheDocument();
  });

  it('trims pasted text and warns about an unusual prefix without refusing', async () => {
    const r = await setup();
    paste(r.field, '   not-an-openai-shaped-key-4321  \n');
    expect(r.field.value).toBe('not-an-openai-shaped-key-4321');
    expect(await screen.findByText(/OpenAI keys usually start with/)).toBeInTheDocument();
  });

  it('is a password field with show/hide', async () => {
    const r = await setup();
    expect(r.field).toHaveAttribute('type', 'password');
    expect(r.field).toHaveAttribute('autocomplete', 'off');
    const toggle = screen.getByRole('button', { name: 'Show key' });
    await r.user.click(toggle);
    expect(r.field).toHaveAttribute('type', 'text');
    expect(screen.getByRole('button', { name: 'Hide key' })).toHaveAttribute('aria-pressed', 'true');
  });
});

describe('Add a key: save outcomes', () => {
  it('saves and verifies, shows progress, the models found, then clears the field', async () => {
    const r = renderWith(<AddKeyForm />, { validationMs: 60 });
    const field = (await screen.findByLabelText('OpenAI API key')) as HTMLInputElement;
    paste(field, GOOD);
    await r.user.type(screen.getByLabelText(/^Label/), 'Work');
    await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
    expect(await screen.findByRole('button', { name: /Checking…/ })).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByText('Checking the key with OpenAI…')).toBeInTheDocument();
    const outcome = await screen.findByTestId('save-outcome');
    expect(outcome).toHaveTextContent('Saved and verified. It can use 6 models.');
    expect(outcome).toHaveTextContent('sk-proj-…a1b2');
    expect(outcome).toHaveTextContent('“Work”');
    expect(field.value).toBe('');
    expect(screen.getByLabelText(/^Label/)).toHaveValue('');
    const call = addCalls(r)[0]?.args as { form: Record<string, unknown> };
    expect(call.form).toMatchObject({ provider: 'openai', label: 'Work', baseUrl: null, secret: '[redacted]', verify: true, enable: true });
    expect(r.api.snapshot()[0]).toMatchObject({ masked: 'sk-proj-…a1b2', enabled: true, verification: 'verified' });
  });

  it('saves a rate-limited key with a note', async () => {
    const r = await setup();
    paste(r.field, 'sk-proj-ratelimit-0123456789abcd');
    await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
    const outcome = await screen.findByTestId('save-outcome');
    expect(outcome).toHaveTextContent('rate limiting it right now');
    expect(r.field.value).toBe('');
  });

  it('saves a key out of quota with a note and the billing link', async () => {
    const r = await setup();
    paste(r.field, 'sk-proj-quota-0123456789abcdef');
    await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
    const outcome = await screen.findByTestId('save-outcome');
    expect(outcome).toHaveTextContent('out of quota or credit');
    await r.user.click(within(outcome).getByRole('link', { name: /Check billing with OpenAI/ }));
    expect(r.api.calls.some((c) => c.command === 'open_external')).toBe(true);
  });

  it('refuses an invalid key, keeping it in the field for correction', async () => {
    const r = await setup();
    paste(r.field, 'sk-proj-invalid-0123456789abcdef');
    await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
    const error = await screen.findByTestId('save-error');
    expect(error).toHaveTextContent('OpenAI refused this key');
    expect(error).toHaveTextContent('still in the field');
    expect(r.field.value).toBe('sk-proj-invalid-0123456789abcdef');
    await waitFor(() => expect(r.field).toHaveFocus());
    expect(r.api.snapshot()).toHaveLength(0);
  });

  it('offers "Save without checking" when the provider is unreachable', async () => {
    const r = await setup();
    paste(r.field, 'sk-proj-offline-0123456789abcdef');
    await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
    const error = await screen.findByTestId('save-error');
    expect(error).toHaveTextContent("Couldn't reach OpenAI");
    expect(r.api.snapshot()).toHaveLength(0);
    await r.user.click(within(error).getByRole('button', { name: 'Save without checking' }));
    const outcome = await screen.findByTestId('save-outcome');
    expect(outcome).toHaveTextContent('Saved without checking');
    expect(r.api.snapshot()[0]).toMatchObject({ verification: 'unverified' });
    const last = addCalls(r).at(-1)?.args as { form: { verify: boolean } };
    expect(last.form.verify).toBe(false);
  });

  it('explains a locked credential store and stores nothing', async () => {
    const r = await setup();
    paste(r.field, 'sk-proj-locked-0123456789abcdef');
    await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
    const error = await screen.findByTestId('save-error');
    expect(error).toHaveTextContent("The key couldn't be stored");
    expect(error).toHaveTextContent('Unlock your keyring');
    expect(r.api.snapshot()).toHaveLength(0);
  });

  it('requires a base URL for a custom endpoint and sends it', async () => {
    const r = await setup();
    await r.user.click(screen.getByRole('combobox', { name: /Provider/ }));
    await r.user.click(await screen.findByRole('option', { name: /^Custom \(OpenAI-compatible\)/ }));
    const field = await screen.findByLabelText('Custom (OpenAI-compatible) API key');
    paste(field, 'local-token-0123456789abcdef');
    await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
    expect(await screen.findByText(/needs a base URL/)).toBeInTheDocument();
    expect(addCalls(r)).toHaveLength(0);
    const base = screen.getByLabelText(/^Base URL/);
    await r.user.type(base, 'http://example.com/v1');
    expect(screen.getByText(/only allowed for this machine/)).toBeInTheDocument();
    await r.user.clear(base);
    await r.user.type(base, 'http://127.0.0.1:11434/v1');
    await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
    await screen.findByTestId('save-outcome');
    const call = addCalls(r)[0]?.args as { form: { baseUrl: string; provider: string } };
    expect(call.form).toMatchObject({ provider: 'custom', baseUrl: 'http://127.0.0.1:11434/v1' });
  });

  it('shows the key format and a "Get a key" link that opens the system browser', async () => {
    const r = await setup();
    expect(screen.getByText(/OpenAI keys start with sk-svcacct-…/)).toBeInTheDocument();
    await r.user.click(screen.getByRole('link', { name: /Get an OpenAI key/ }));
    expect(r.api.calls.find((c) => c.command === 'open_external')?.args).toEqual({ url: 'https://platform.openai.com/api-keys' });
  });

  it('has no accessibility violations, empty and with errors', async () => {
    const r = await setup();
    await expectNoAxeViolations();
    paste(r.field, 'sk-proj-offline-0123456789abcdef');
    await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
    await screen.findByTestId('save-error');
    await expectNoAxeViolations();
  });
});
