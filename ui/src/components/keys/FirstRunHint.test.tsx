import { beforeEach, describe, expect, it } from 'vitest';
import { DOCS_BASE } from '../../lib/docs';
import { expectNoAxeViolations, openSettings, renderApp, screen, waitFor, within, type Rendered } from '../../test/render';
import { FIRST_RUN_DONE } from './FirstRunHint';

const opened = (r: Rendered) => r.api.calls.filter((c) => c.command === 'open_external').map((c) => (c.args as { url: string }).url);

function storageDump(): string[] {
  return Array.from({ length: localStorage.length }, (_, i) => {
    const k = localStorage.key(i) ?? '';
    return `${k}=${localStorage.getItem(k) ?? ''}`;
  });
}

beforeEach(() => {
  localStorage.clear();
});

describe('The first-run hint', () => {
  it('shows three steps and links to the guides on a first visit', async () => {
    const r = renderApp();
    const dialog = await openSettings(r);
    const hint = await within(dialog).findByTestId('first-run-hint');
    expect(within(hint).getByRole('heading', { name: /Three steps to your own key/ })).toBeInTheDocument();
    expect(within(hint).getAllByRole('listitem')).toHaveLength(3);
    await r.user.click(within(hint).getByRole('link', { name: /step-by-step guide for each provider/ }));
    await r.user.click(within(hint).getByRole('link', { name: /What goes where/ }));
    expect(opened(r)).toEqual([`${DOCS_BASE}providers`, `${DOCS_BASE}privacy#what-goes-where`]);
    await expectNoAxeViolations();
  });

  it('stays away once dismissed, remembering only a boolean', async () => {
    const first = renderApp();
    let dialog = await openSettings(first);
    const hint = await within(dialog).findByTestId('first-run-hint');
    // A key typed but not saved must never reach storage.
    await first.user.click(within(dialog).getByLabelText('OpenAI API key'));
    await first.user.paste('sk-proj-HintCanary0123456789abcdefQQ');
    await first.user.click(within(hint).getByRole('button', { name: 'Dismiss this tip' }));
    expect(within(dialog).queryByTestId('first-run-hint')).not.toBeInTheDocument();
    expect(storageDump()).toEqual([`${FIRST_RUN_DONE}=true`]);
    // The empty state still explains what a key does.
    expect(within(dialog).getByTestId('keys-empty')).toBeInTheDocument();
    first.unmount();

    const again = renderApp();
    dialog = await openSettings(again);
    await within(dialog).findByTestId('keys-empty');
    expect(within(dialog).queryByTestId('first-run-hint')).not.toBeInTheDocument();
  });

  it('is not shown to someone who has keys, and does not come back after the last key goes', async () => {
    const r = renderApp({ seed: 'demo' });
    const dialog = await openSettings(r);
    await within(dialog).findByRole('list', { name: 'Your AI keys' });
    expect(within(dialog).queryByTestId('first-run-hint')).not.toBeInTheDocument();
    await waitFor(() => expect(storageDump()).toEqual([`${FIRST_RUN_DONE}=true`]));
  });

  it('goes away when the first key is saved', async () => {
    const r = renderApp();
    const dialog = await openSettings(r);
    await within(dialog).findByTestId('first-run-hint');
    await r.user.click(within(dialog).getByLabelText('OpenAI API key'));
    await r.user.paste('sk-proj-FirstKey0123456789abcdefghijK9z4');
    await r.user.click(within(dialog).getByRole('button', { name: 'Check and save key' }));
    await within(dialog).findByRole('list', { name: 'Your AI keys' });
    expect(within(dialog).queryByTestId('first-run-hint')).not.toBeInTheDocument();
    expect(storageDump()).toEqual([`${FIRST_RUN_DONE}=true`]);
  });
});

describe('Empty states and help links', () => {
  it('the empty key list explains privacy, cost and models, and links to the guides', async () => {
    const r = renderApp();
    const dialog = await openSettings(r);
    const empty = await within(dialog).findByTestId('keys-empty');
    expect(empty).toHaveTextContent('Taskly never sees the key or the conversation');
    expect(empty).toHaveTextContent('You pay the provider directly');
    expect(empty).toHaveTextContent('the ones your provider account has');
    await r.user.click(within(empty).getByRole('link', { name: /How to get a key/ }));
    await r.user.click(within(empty).getByRole('link', { name: /Privacy: what goes where/ }));
    expect(opened(r)).toEqual([`${DOCS_BASE}providers`, `${DOCS_BASE}privacy#what-goes-where`]);
  });

  it('the add form links to the step-by-step guide of the chosen provider', async () => {
    const r = renderApp();
    const dialog = await openSettings(r);
    await r.user.click(await within(dialog).findByRole('link', { name: /Step-by-step guide/ }));
    expect(opened(r)).toEqual([`${DOCS_BASE}providers#openai`]);
  });

  it('the credential store banner links to the troubleshooting guide', async () => {
    const r = renderApp({ credentialStoreWorking: false });
    const banners = await screen.findAllByTestId('store-banner');
    await r.user.click(within(banners[0] as HTMLElement).getByRole('link', { name: /How to fix this/ }));
    expect(opened(r)).toEqual([`${DOCS_BASE}troubleshooting#credential-store`]);
  });
});
