import { describe, expect, it } from 'vitest';
import { expectNoAxeViolations, openSettings, renderApp, screen, waitFor, within, type Rendered } from '../../test/render';

async function settingsWithDemoKeys() {
  const r = renderApp({ seed: 'demo' });
  const dialog = await openSettings(r);
  await within(dialog).findByRole('list', { name: 'Your AI keys' });
  return { r, dialog };
}

const card = (name: string) => screen.getByRole('listitem', { name });

async function addKey(r: Rendered, secret: string, label: string, enable: boolean) {
  const field = await screen.findByLabelText('OpenAI API key');
  await r.user.click(field);
  await r.user.paste(secret);
  await r.user.type(screen.getByLabelText(/^Label/), label);
  const box = screen.getByRole('checkbox', { name: /Use this key for OpenAI requests/ });
  if ((box as HTMLInputElement).checked !== enable) await r.user.click(box);
  await r.user.click(screen.getByRole('button', { name: 'Check and save key' }));
  await screen.findByTestId('save-outcome');
}

describe('The key list', () => {
  it('explains what a personal key does when there is none', async () => {
    const r = renderApp();
    const dialog = await openSettings(r);
    const empty = await within(dialog).findByTestId('keys-empty');
    expect(empty).toHaveTextContent('No personal keys yet');
    expect(empty).toHaveTextContent('go straight from this computer to the provider');
    await expectNoAxeViolations();
  });

  it('shows each key masked with label, provider, status, last use and today’s usage', async () => {
    await settingsWithDemoKeys();
    const work = card('Work');
    expect(within(work).getByTestId('masked')).toHaveTextContent('sk-proj-…a1b2');
    expect(work).toHaveTextContent('OpenAI');
    expect(work).toHaveTextContent('Verified');
    expect(work).toHaveTextContent('Last used 7 minutes ago');
    expect(work).toHaveTextContent('Today: 4 requests · 2,442 tokens');
    const personal = card('Personal');
    expect(within(personal).getByTestId('masked')).toHaveTextContent('sk-ant-api03-…XyZ1');
    expect(personal).toHaveTextContent('Rate limited');
    expect(personal).toHaveTextContent('Last used never');
    expect(personal).toHaveTextContent('No requests today');
    await expectNoAxeViolations();
  });

  it('never shows more of a key than the masked hint', async () => {
    const r = renderApp();
    await openSettings(r);
    const secret = 'sk-proj-SuperSecretCanary0123456789wxyz';
    await addKey(r, secret, 'Canary', true);
    await waitFor(() => expect(screen.getByRole('listitem', { name: 'Canary' })).toBeInTheDocument());
    expect(document.body.innerHTML).not.toContain('SuperSecretCanary');
    expect(within(card('Canary')).getByTestId('masked')).toHaveTextContent('sk-proj-…wxyz');
  });

  it('turning one key on turns the provider’s other key off, and says so', async () => {
    const r = renderApp({ seed: 'demo' });
    await openSettings(r);
    await addKey(r, 'sk-proj-SecondKey0123456789abcdZZ99', 'Spare', false);
    const spare = await screen.findByRole('listitem', { name: 'Spare' });
    const spareSwitch = within(spare).getByRole('switch');
    expect(spareSwitch).not.toBeChecked();
    expect(spare).toHaveTextContent('Turning this on switches off “Work”.');
    await r.user.click(spareSwitch);
    const notice = await screen.findByTestId('switch-notice');
    expect(notice).toHaveTextContent('Switched on “Spare” for OpenAI.');
    expect(notice).toHaveTextContent('Your other OpenAI key “Work” (sk-proj-…a1b2) was switched off: only one key per provider can be on.');
    await waitFor(() => expect(within(card('Work')).getByRole('switch')).not.toBeChecked());
    expect(within(card('Spare')).getByRole('switch')).toBeChecked();
    // Keys of other providers are not touched.
    expect(within(card('Personal')).getByRole('switch')).not.toBeChecked();
  });

  it('switching a key off sends that provider through Taskly', async () => {
    const { r } = await settingsWithDemoKeys();
    await r.user.click(within(card('Work')).getByRole('switch', { name: /Use for OpenAI/ }));
    expect(await screen.findByTestId('switch-notice')).toHaveTextContent('OpenAI requests now go through Taskly');
    expect(r.api.snapshot().find((k) => k.label === 'Work')?.enabled).toBe(false);
  });

  it('edits the label and the base URL (re-checking the key at a new host)', async () => {
    const { r } = await settingsWithDemoKeys();
    await r.user.click(within(card('Work')).getByRole('button', { name: /Edit “Work”/ }));
    const form = screen.getByRole('form', { name: 'Edit “Work”' });
    const label = within(form).getByLabelText('Label');
    expect(label).toHaveFocus();
    await r.user.clear(label);
    await r.user.type(label, 'Work laptop');
    const base = within(form).getByLabelText(/^Base URL/);
    await r.user.type(base, 'https://gateway.example.com/v1');
    expect(form).toHaveTextContent('checked at gateway.example.com before it is ever used there');
    await r.user.click(within(form).getByRole('button', { name: 'Check and save' }));
    const updated = await screen.findByRole('listitem', { name: 'Work laptop' });
    expect(updated).toHaveTextContent('https://gateway.example.com/v1');
    const call = r.api.calls.find((c) => c.command === 'update_key')?.args;
    expect(call).toEqual({
      id: 'k_3f9a2c1b7e',
      change: { label: 'Work laptop', baseUrl: 'https://gateway.example.com/v1', verify: true },
    });
  });

  it('confirms an unchanged base URL typed again: the key is checked there and bound to it', async () => {
    const { r } = await settingsWithDemoKeys();
    await r.user.click(within(card('Work')).getByRole('button', { name: /Edit “Work”/ }));
    const form = screen.getByRole('form', { name: 'Edit “Work”' });
    // Saving without touching the field sends nothing.
    await r.user.click(within(form).getByRole('button', { name: /Save|Check and save/ }));
    expect(r.api.calls.some((c) => c.command === 'update_key')).toBe(false);
    await r.user.click(within(card('Work')).getByRole('button', { name: /Edit “Work”/ }));
    const again = screen.getByRole('form', { name: 'Edit “Work”' });
    const field = within(again).getByLabelText(/^Base URL/);
    await r.user.clear(field);
    await r.user.type(field, 'https://api.openai.com/v1');
    await r.user.click(within(again).getByRole('button', { name: /Save|Check and save/ }));
    await waitFor(() => expect(r.api.calls.some((c) => c.command === 'update_key')).toBe(true));
    const call = r.api.calls.find((c) => c.command === 'update_key')?.args;
    expect(call).toEqual({
      id: 'k_3f9a2c1b7e',
      change: { label: null, baseUrl: 'https://api.openai.com/v1', verify: true },
    });
  });

  it('replaces the key, with the same hygiene rules and outcomes', async () => {
    const { r } = await settingsWithDemoKeys();
    await r.user.click(within(card('Work')).getByRole('button', { name: /Replace key of “Work”/ }));
    const form = screen.getByRole('form', { name: 'Replace the key of “Work”' });
    const field = within(form).getByLabelText('New OpenAI API key');
    await r.user.click(field);
    await r.user.paste('sk-proj-invalid-99999999999999999');
    await r.user.click(within(form).getByRole('button', { name: 'Check and replace' }));
    expect(await within(form).findByTestId('save-error')).toHaveTextContent('OpenAI refused this key');
    expect(field).toHaveValue('sk-proj-invalid-99999999999999999');
    await r.user.clear(field);
    await r.user.paste('sk-proj-NewOne0123456789abcdefNEW1');
    await r.user.click(within(form).getByRole('button', { name: 'Check and replace' }));
    await waitFor(() => expect(within(card('Work')).getByTestId('masked')).toHaveTextContent('sk-proj-…NEW1'));
    expect(card('Work')).toHaveTextContent('Key replaced. Saved and verified.');
  });

  it('checks a key again and shows the result', async () => {
    const { r } = await settingsWithDemoKeys();
    await r.user.click(within(card('Personal')).getByRole('button', { name: /Check again/ }));
    await waitFor(() => expect(card('Personal')).toHaveTextContent('rate limiting this key right now'));
    expect(r.api.calls.some((c) => c.command === 'validate_key')).toBe(true);
  });

  it('deletes only after a confirmation that names the key', async () => {
    const { r } = await settingsWithDemoKeys();
    await r.user.click(within(card('Work')).getByRole('button', { name: /Delete “Work”/ }));
    let confirm = await screen.findByRole('alertdialog', { name: 'Delete “Work”?' });
    expect(confirm).toHaveTextContent('sk-proj-…a1b2');
    expect(confirm).toHaveTextContent('from Secret Service on this computer');
    expect(confirm).toHaveTextContent('OpenAI requests will then go through Taskly');
    await expectNoAxeViolations();
    await r.user.click(within(confirm).getByRole('button', { name: 'Keep key' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(card('Work')).toBeInTheDocument();
    expect(r.api.calls.some((c) => c.command === 'remove_key')).toBe(false);

    await r.user.click(within(card('Work')).getByRole('button', { name: /Delete “Work”/ }));
    confirm = await screen.findByRole('alertdialog', { name: 'Delete “Work”?' });
    await r.user.click(within(confirm).getByRole('button', { name: 'Delete key' }));
    await waitFor(() => expect(screen.queryByRole('listitem', { name: 'Work' })).not.toBeInTheDocument());
    expect(r.api.snapshot().map((k) => k.label)).toEqual(['Personal']);
    await waitFor(() => expect(screen.getByRole('heading', { name: /Your keys/ })).toHaveFocus());
  });
});
