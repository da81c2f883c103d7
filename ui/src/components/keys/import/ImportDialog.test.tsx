// "Import keys from this computer", step by step, over the mock's computer (`mock/machine.ts`).
import { beforeEach, describe, expect, it } from 'vitest';
import { expectNoAxeViolations, openSettings, renderApp, screen, waitFor, within, type Rendered } from '../../../test/render';

async function openImport(options: Parameters<typeof renderApp>[0] = { seed: 'demo' }) {
  const r = renderApp(options);
  const settings = await openSettings(r);
  await r.user.click(within(settings).getAllByRole('button', { name: 'Import keys from this computer' }).at(-1)!);
  const dialog = await screen.findByRole('dialog', { name: 'Import keys from this computer' });
  return { ...r, dialog, settings };
}

const findItem = (dialog: HTMLElement, text: string) =>
  within(dialog)
    .getAllByTestId('find')
    .find((f) => f.textContent?.includes(text))!;

const commands = (r: Rendered) => r.api.calls.map((c) => c.command).filter((c) => /^(import|scrub)_/.test(c));

describe('Import keys from this computer', () => {
  // The first-run hint remembers being done once a key exists.
  beforeEach(() => window.localStorage.clear());

  it('scans, then lists every find masked with its places, the held one not selectable', async () => {
    // A slower scan, so its progress shows.
    const r = await openImport({ seed: 'demo', validationMs: 150 });
    expect(within(r.dialog).getByTestId('import-status')).toHaveTextContent('Looking for keys on this computer…');
    expect(within(r.dialog).getByRole('heading', { name: 'Looking for keys…' })).toHaveFocus();
    const heading = await within(r.dialog).findByRole('heading', { name: /Found 4 keys/ });
    expect(heading).toHaveFocus();
    expect(within(r.dialog).getByTestId('import-status')).toHaveTextContent('Found 4 keys.');

    const openai = findItem(r.dialog, 'sk-proj-…q9Zt');
    expect(within(openai).getByRole('checkbox', { name: /OpenAI sk-proj-…q9Zt/ })).toBeChecked();
    expect(openai).toHaveTextContent('Shell start-up file ~/.bashrc, line 12 (OPENAI_API_KEY)');
    expect(openai).toHaveTextContent('Environment the variable OPENAI_API_KEY');
    expect(openai).toHaveTextContent('OPENAI_API_KEY is set in this session\'s environment by ~/.bashrc (line 12)');
    expect(findItem(r.dialog, 'sk-ant-api03-…7c4e')).toHaveTextContent('Continue ~/.continue/config.yaml, line 9 (models[0].apiKey)');
    const held = findItem(r.dialog, 'sk-ant-api03-…XyZ1');
    expect(within(held).getByText('Already in Taskly')).toBeInTheDocument();
    expect(within(held).queryByRole('checkbox')).toBeNull();
    expect(within(r.dialog).getByRole('button', { name: 'Import 3 keys' })).toBeInTheDocument();

    // The fine print is folded.
    const passed = within(r.dialog).getByRole('button', { name: 'Passed over (1 file)' });
    expect(passed).toHaveAttribute('aria-expanded', 'false');
    await r.user.click(passed);
    expect(within(r.dialog).getByTestId('passed-over')).toHaveTextContent('~/.config/goose/secrets.yaml: it could not be read as YAML');
    await r.user.click(within(r.dialog).getByRole('button', { name: /Looked in \(\d+ places\)/ }));
    expect(within(r.dialog).getByTestId('looked-in')).toHaveTextContent('~/.continue/config.yaml');
    expect(commands(r)).toEqual(['import_scan']);
    await expectNoAxeViolations();
  });

  it('imports the picked keys, says what happened to each, and saves an unreachable one without checking', async () => {
    const r = await openImport();
    await within(r.dialog).findByRole('heading', { name: /Found 4 keys/ });
    await r.user.click(within(r.dialog).getByRole('button', { name: 'Import 3 keys' }));
    const heading = await within(r.dialog).findByRole('heading', { name: 'Imported 2 keys' });
    await waitFor(() => expect(heading).toHaveFocus());
    const results = within(r.dialog).getAllByTestId('import-result');
    expect(results.map((x) => x.dataset.outcome)).toEqual(['saved', 'saved', 'failed']);
    expect(results[0]).toHaveTextContent('Saved and verified. It can use 6 models. Stored as “From ~/.bashrc”.');
    expect(results[2]).toHaveTextContent("Couldn't reach Mistral AI.");
    expect(results[2]).toHaveTextContent('Could not reach Mistral AI at api.mistral.ai');
    expect(r.api.calls.find((c) => c.command === 'import_keys')?.args).toEqual({ ids: expect.any(Array), verify: true });

    await r.user.click(within(r.dialog).getByRole('button', { name: 'Save it without checking' }));
    await waitFor(() =>
      expect(within(r.dialog).getAllByTestId('import-result').map((x) => x.dataset.outcome)).toEqual(['saved', 'saved', 'saved']),
    );
    expect(within(r.dialog).getAllByTestId('import-result')[2]).toHaveTextContent('Saved without checking.');
    // The key list behind the dialog has them, as after the add form.
    expect(document.querySelector('ul.key-list')).toHaveTextContent('From ~/.continue/config.yaml');
    // The environment copy cannot be removed, and says why.
    expect(within(r.dialog).getByTestId('unremovable')).toHaveTextContent(
      'the variable OPENAI_API_KEY: An environment variable cannot be removed from a running shell.',
    );
    await expectNoAxeViolations();
  });

  it('removes the plaintext copies only after showing exactly which lines change', async () => {
    const r = await openImport();
    await within(r.dialog).findByRole('heading', { name: /Found 4 keys/ });
    // Only the two that can be checked.
    await r.user.click(within(findItem(r.dialog, 'Mistral')).getByRole('checkbox'));
    await r.user.click(within(r.dialog).getByRole('button', { name: 'Import 2 keys' }));
    await within(r.dialog).findByRole('heading', { name: 'Imported 2 keys' });
    await r.user.click(within(r.dialog).getByRole('button', { name: 'Remove the plaintext copies…' }));
    await within(r.dialog).findByRole('heading', { name: 'Remove the plaintext copies' });
    expect(within(r.dialog).getByRole('radio', { name: 'Comment out the line' })).toBeChecked();
    // Three keys are now held: the two imported and the one Taskly had.
    expect(within(r.dialog).getAllByRole('checkbox', { name: /sk-/ })).toHaveLength(3);
    await r.user.click(within(r.dialog).getByRole('button', { name: 'Show the changes' }));

    const plans = await within(r.dialog).findAllByTestId('file-plan');
    expect(plans).toHaveLength(3);
    expect(plans[0]).toHaveTextContent('~/.bashrc');
    expect(plans[0]).toHaveTextContent('Line 12');
    expect(plans[0]).toHaveTextContent('export OPENAI_API_KEY=sk-proj-…q9Zt');
    expect(plans[0]).toHaveTextContent('# OPENAI_API_KEY moved to the system credential store by Taskly');
    expect(plans[1]).toHaveTextContent('# apiKey moved to the system credential store by Taskly');
    expect(plans[2]).toHaveTextContent('Will not be touched');
    expect(plans[2]).toHaveTextContent('JSON has no comments: choose to remove the line instead');
    expect(commands(r)).not.toContain('scrub_apply');
    await expectNoAxeViolations();

    // Choosing "remove" asks for a new preview; then the JSON file can change too.
    await r.user.click(within(r.dialog).getByRole('radio', { name: 'Remove the line' }));
    await r.user.click(within(r.dialog).getByRole('button', { name: 'Show the changes' }));
    await waitFor(() => expect(within(r.dialog).getAllByTestId('file-plan')[0]).toHaveTextContent('removed'));
    await r.user.click(within(r.dialog).getByRole('button', { name: 'Rewrite 3 files' }));
    const done = await within(r.dialog).findByRole('heading', { name: 'Rewrote 3 files' });
    await waitFor(() => expect(done).toHaveFocus());
    expect(within(r.dialog).getAllByTestId('scrub-outcome')[0]).toHaveTextContent('~/.bashrc: 1 line rewritten.');
    const apply = r.api.calls.find((c) => c.command === 'scrub_apply')?.args as { ids: string[]; mode: string };
    expect(apply.mode).toBe('remove');
    expect(apply.ids).toHaveLength(3);
    // The list is scanned again after the rewrite: what remains is the environment copy.
    expect(commands(r).slice(-2)).toEqual(['scrub_apply', 'import_scan']);
    await r.user.click(within(r.dialog).getByRole('button', { name: 'Back to the list' }));
    await within(r.dialog).findByRole('heading', { name: /Found 2 keys/ });
    expect(findItem(r.dialog, 'sk-proj-…q9Zt')).toHaveTextContent('not by a start-up file Taskly reads');
  });

  it('Esc closes it, the shell forgets the scan, and focus goes back', async () => {
    const r = await openImport();
    await within(r.dialog).findByRole('heading', { name: /Found 4 keys/ });
    await r.user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Import keys from this computer' })).toBeNull());
    expect(screen.getByRole('dialog', { name: 'Settings' })).toBeInTheDocument();
    await waitFor(() => expect(commands(r)).toContain('import_forget'));
    await waitFor(() => expect(within(r.settings).getAllByRole('button', { name: 'Import keys from this computer' }).at(-1)).toHaveFocus());
  });

  it('says where it looked when it finds nothing', async () => {
    const r = await openImport({ scan: 'empty' });
    const empty = await within(r.dialog).findByTestId('import-empty');
    expect(empty).toHaveTextContent('No keys found on this computer');
    expect(empty).toHaveTextContent(/Taskly looked in \d+ places: your shell start-up files/);
    expect(within(r.dialog).getByTestId('import-status')).toHaveTextContent('No keys found.');
  });

  it('opens once from the first-run hint too', async () => {
    const r = renderApp();
    const settings = await openSettings(r);
    const hint = await within(settings).findByTestId('first-run-hint');
    await r.user.click(within(hint).getByRole('button', { name: 'Import keys from this computer' }));
    const dialog = await screen.findByRole('dialog', { name: 'Import keys from this computer' });
    await within(dialog).findByRole('heading', { name: /Found 4 keys/ });
    // Without a key in Taskly nothing is held yet: all four can be picked.
    expect(within(dialog).getByRole('button', { name: 'Import 4 keys' })).toBeInTheDocument();
  });
});
