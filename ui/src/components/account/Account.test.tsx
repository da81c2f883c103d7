// The Taskly account: the header's menu, the sign-in dialog, Settings → Account, the adoption
// question, and the palette's Sign in action, over the mock (whose "browser" the test plays).
import { act } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { MockOptions } from '../../ipc/mock';
import { expectNoAxeViolations, openSettings, renderApp, screen, waitFor, waitForLoaded, within, type Rendered } from '../../test/render';

async function start(options: MockOptions = {}) {
  const r = renderApp(options);
  await screen.findByRole('heading', { name: 'Where your questions go' });
  await waitForLoaded();
  return r;
}

// The header, also while a dialog hides the rest of the page from assistive technology.
const header = () => document.querySelector<HTMLElement>('header.topbar')!;

async function signInFromHeader(r: Rendered) {
  await r.user.click(await within(header()).findByRole('button', { name: 'Sign in to Taskly' }));
  const dialog = await screen.findByRole('dialog', { name: 'Sign in to Taskly' });
  await within(dialog).findByTestId('sign-in-url');
  return dialog;
}

async function finishInBrowser(r: Rendered, person?: 'ana' | 'bob') {
  await waitFor(() => expect(r.api.signInPending()).toBe(true));
  act(() => r.api.completeSignIn(person));
  await waitFor(() => expect(screen.queryByTestId('sign-in-dialog')).not.toBeInTheDocument());
}

describe('Signing in', () => {
  it('starts signed out, waits for the browser with the address and Cancel, and cancels cleanly', async () => {
    const r = await start();
    const dialog = await signInFromHeader(r);
    expect(within(dialog).getByRole('status')).toHaveTextContent('Waiting for the browser…');
    expect(dialog).toHaveTextContent('Your browser opened Taskly’s sign-in page');
    const url = within(dialog).getByRole('textbox', { name: 'Sign-in address' });
    expect(url).toHaveAttribute('readonly');
    expect((url as HTMLInputElement).value).toMatch(/^https:\/\/auth\.taskly\.chat\/auth\?client_id=taskly-desktop&/);
    const cancel = within(dialog).getByRole('button', { name: 'Cancel' });
    expect(cancel).toHaveFocus();
    expect(within(header()).getByTestId('account-menu')).toHaveTextContent('Waiting for the browser…');
    expect(within(header()).getByTestId('account-menu')).toHaveAttribute('aria-disabled', 'true');
    await expectNoAxeViolations();

    await r.user.click(cancel);
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Sign in to Taskly' })).not.toBeInTheDocument());
    expect(r.api.calls.some((c) => c.command === 'cancel_sign_in')).toBe(true);
    expect(r.api.signInPending()).toBe(false);
    const button = within(header()).getByRole('button', { name: 'Sign in to Taskly' });
    await waitFor(() => expect(button).toHaveFocus());
  });

  it('Esc cancels the sign-in too', async () => {
    const r = await start();
    await signInFromHeader(r);
    await r.user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('sign-in-dialog')).not.toBeInTheDocument());
    expect(r.api.signInPending()).toBe(false);
  });

  it('offers the address to copy when the browser did not open', async () => {
    const r = await start({ browserFails: true });
    const dialog = await signInFromHeader(r);
    expect(dialog).toHaveTextContent('Your browser did not open. Copy this address into your browser');
    await r.user.click(within(dialog).getByRole('button', { name: 'Copy address' }));
    // user-event's clipboard stands in for the system's.
    expect(await navigator.clipboard.readText()).toBe((within(dialog).getByTestId('sign-in-url') as HTMLInputElement).value);
    expect(await within(dialog).findByText('Copied. Paste it into your browser.')).toBeInTheDocument();
  });

  it('shows who is signed in, in the header and in Settings → Account, and labels the Taskly route with it', async () => {
    const r = await start();
    await signInFromHeader(r);
    await finishInBrowser(r);
    expect(await within(header()).findByTestId('account-email')).toHaveTextContent('ana@example.com');
    // Focus comes back to the header, on the account button that replaced "Sign in to Taskly".
    await waitFor(() => expect(within(header()).getByRole('button', { name: 'Taskly account: ana@example.com' })).toHaveFocus());
    expect(await screen.findByText('Signed in as ana@example.com')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Notifications' })).toHaveTextContent('Signed in as ana@example.com');
    // The home screen's routes, then the palette, say whose Taskly account answers.
    await waitFor(() => expect(document.querySelector('.route-list')).toHaveTextContent('Taskly (ana@example.com)'));

    const dialog = await openSettings(r);
    await r.user.click(within(dialog).getByRole('tab', { name: /Account/ }));
    const panel = within(dialog).getByRole('tabpanel', { name: /Account/ });
    expect(within(panel).getByTestId('account-who')).toHaveTextContent('Signed in as ana@example.com (Ana Lima) with auth.taskly.chat.');
    expect(within(panel).getByRole('list', { name: 'Accounts on this computer' })).toHaveTextContent('ana@example.com Ana LimaIn use');
    await expectNoAxeViolations();
  });

  it('says why a sign-in did not finish, and Try again starts another', async () => {
    const r = await start({ signIn: 'fail' });
    await r.user.click(await within(header()).findByRole('button', { name: 'Sign in to Taskly' }));
    const error = await screen.findByTestId('sign-in-error');
    expect(error).toHaveAttribute('data-code', 'sign_in_failed');
    expect(error).toHaveTextContent('Signing in did not finish');
    expect(error).toHaveTextContent('access was declined');
    const again = screen.getByRole('button', { name: 'Try again' });
    await waitFor(() => expect(again).toHaveFocus());
    await expectNoAxeViolations();
    await r.user.click(again);
    expect(r.api.calls.filter((c) => c.command === 'sign_in')).toHaveLength(2);
  });
});

describe('The local keys on the first sign-in', () => {
  it('lists them masked and brings them into the account when asked', async () => {
    const r = await start({ seed: 'demo' });
    const local = r.api.snapshot();
    expect(local.length).toBeGreaterThan(0);
    await signInFromHeader(r);
    await finishInBrowser(r);
    const dialog = await screen.findByRole('alertdialog', { name: 'Bring your keys into ana@example.com?' });
    const list = within(dialog).getByRole('list', { name: 'Keys on this computer' });
    for (const key of local) {
      expect(list).toHaveTextContent(`${key.provider_name}“${key.label}”${key.masked}`);
    }
    // Only masked hints: nothing longer than the mask from any key appears.
    expect(dialog.textContent).not.toMatch(/sk-proj-[A-Za-z0-9]{12,}/);
    expect(within(dialog).getByRole('button', { name: 'Keep them in the local profile' })).toHaveFocus();
    await expectNoAxeViolations();

    await r.user.click(within(dialog).getByRole('button', { name: 'Bring them into ana@example.com' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(r.api.calls.find((c) => c.command === 'adopt_local_keys')?.args).toEqual({
      accountId: 'u-a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1',
      adopt: true,
    });
    expect(r.api.snapshot().map((k) => k.id)).toEqual(local.map((k) => k.id));
    expect(await screen.findByText(`Brought ${local.length} keys into ana@example.com`)).toBeInTheDocument();
  });

  it('keeps them in the local profile when asked, so the account starts without keys', async () => {
    const r = await start({ seed: 'demo' });
    await signInFromHeader(r);
    await finishInBrowser(r);
    const dialog = await screen.findByRole('alertdialog');
    await r.user.click(within(dialog).getByRole('button', { name: 'Keep them in the local profile' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(r.api.calls.find((c) => c.command === 'adopt_local_keys')?.args).toMatchObject({ adopt: false });
    expect(r.api.snapshot()).toEqual([]);
    await waitFor(() => expect(document.querySelector('.route-list')).toHaveTextContent('All providers'));
  });

  it('is not asked when the local profile has no keys', async () => {
    const r = await start();
    await signInFromHeader(r);
    await finishInBrowser(r);
    await within(header()).findByTestId('account-email');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
  });
});

describe('Switching and signing out', () => {
  it('adds another account, switches with one action from the header, and signs out', async () => {
    const r = await start({ signedIn: true });
    const menuButton = await within(header()).findByRole('button', { name: 'Taskly account: ana@example.com' });
    await r.user.click(menuButton);
    expect(menuButton).toHaveAttribute('aria-expanded', 'true');
    const panel = screen.getByRole('group', { name: 'Taskly account' });
    expect(within(panel).getAllByRole('button')[0]).toHaveFocus();
    await expectNoAxeViolations();
    await r.user.click(within(panel).getByRole('button', { name: 'Add another account' }));
    await screen.findByTestId('sign-in-url');
    expect(r.api.calls.find((c) => c.command === 'sign_in')?.args).toEqual({ form: { freshLogin: true } });
    await finishInBrowser(r);
    const bob = await within(header()).findByRole('button', { name: 'Taskly account: bob@example.com' });

    await r.user.click(bob);
    await r.user.click(screen.getByRole('button', { name: 'Switch to ana@example.com' }));
    const ana = await within(header()).findByRole('button', { name: 'Taskly account: ana@example.com' });
    expect(r.api.calls.find((c) => c.command === 'switch_account')?.args).toEqual({ name: 'u-a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1' });
    await waitFor(() => expect(ana).toHaveFocus());

    // Esc closes the panel and returns focus.
    await r.user.click(ana);
    await r.user.keyboard('{Escape}');
    expect(screen.queryByRole('group', { name: 'Taskly account' })).not.toBeInTheDocument();
    expect(ana).toHaveFocus();

    await r.user.click(ana);
    await r.user.click(screen.getByRole('button', { name: 'Sign out of all accounts' }));
    await within(header()).findByRole('button', { name: 'Sign in to Taskly' });
    expect(r.api.calls.find((c) => c.command === 'sign_out')?.args).toEqual({ all: true });
    expect(screen.getByRole('region', { name: 'Notifications' })).toHaveTextContent('Signed out of ana@example.com, bob@example.com');
  });

  it('says clearly when the sign-in service could not be reached to end the session', async () => {
    const r = await start({ signedIn: true, revokeUnreachable: true });
    const dialog = await openSettings(r);
    await r.user.click(within(dialog).getByRole('tab', { name: /Account/ }));
    const panel = within(dialog).getByRole('tabpanel', { name: /Account/ });
    await r.user.click(await within(panel).findByRole('button', { name: 'Sign out' }));
    const notice = within(panel).getByTestId('account-notice');
    await waitFor(() =>
      expect(notice).toHaveTextContent(
        "Signed out of ana@example.com on this computer. Taskly's sign-in service could not be reached to end the session there too; it expires on its own.",
      ),
    );
    expect(notice).toHaveAttribute('aria-live', 'polite');
    expect(within(panel).getByRole('button', { name: 'Sign in to Taskly' })).toBeInTheDocument();
    expect(r.api.calls.find((c) => c.command === 'sign_out')?.args).toEqual({ all: false });
  });
});

describe('The palette and Taskly sign-in', () => {
  it('offers Sign in on sign_in_required, then retries as the account, labelled via Taskly (email)', async () => {
    const r = await start({ requireSignIn: true });
    await r.user.keyboard('{Control>}k{/Control}');
    const palette = await screen.findByRole('dialog', { name: 'Ask AI' });
    expect(within(palette).getByTestId('expected-route')).toHaveTextContent('Taskly');
    await r.user.keyboard('hello{Enter}');
    const error = await within(palette).findByTestId('chat-error');
    expect(error).toHaveAttribute('data-code', 'sign_in_required');
    expect(error).toHaveTextContent('Sign in to ask through Taskly');
    await r.user.click(within(error).getByRole('button', { name: 'Sign in to Taskly' }));
    await screen.findByTestId('sign-in-url');
    await finishInBrowser(r);
    await waitFor(() => expect(within(palette).getByTestId('expected-route')).toHaveTextContent('Taskly (ana@example.com)'));
    await r.user.click(within(palette).getByRole('button', { name: 'Retry as ana@example.com' }));
    const turn = within(palette).getAllByTestId('turn').at(-1)!;
    await waitFor(() => expect(turn).toHaveAttribute('data-status', 'done'), { timeout: 5000 });
    expect(within(turn).getByTestId('answer-route')).toHaveTextContent('via Taskly (ana@example.com)');
  });

  it('offers Sign in for a rejected Taskly token', async () => {
    const r = await start();
    await r.user.keyboard('{Control>}k{/Control}');
    const palette = await screen.findByRole('dialog', { name: 'Ask AI' });
    await r.user.keyboard('hello #invalid{Enter}');
    const error = await within(palette).findByTestId('chat-error');
    expect(error).toHaveAttribute('data-code', 'proxy_token_rejected');
    expect(within(error).getByRole('button', { name: 'Sign in to Taskly' })).toBeInTheDocument();
  });
});
