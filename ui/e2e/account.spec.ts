// Signing in to Taskly in Chromium, keyboard only, with the mock playing the sign-in service:
// the header's Sign in, waiting for the browser, the first sign-in's question about local keys,
// the account menu, Settings → Account; and the palette's Sign in action for a Taskly question.
import { expect, test } from '@playwright/test';
import { expectAccessible, shooter, tabTo, watchConsole } from './helpers';

test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    Object.freeze(Object.prototype);
  });
});

test('sign in, bring the local keys, the account menu and Settings → Account', async ({ page }, info) => {
  const consoleLines = watchConsole(page);
  const shot = shooter(page, info, 'account');
  await page.goto('/?speed=fast&seed=demo&signin=2500');
  const header = page.locator('header.topbar');
  const signIn = header.getByRole('button', { name: 'Sign in to Taskly' });
  await expect(signIn).toBeVisible();
  await shot('signed-out');
  await expectAccessible(page, 'signed out');

  await tabTo(page, signIn);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Sign in to Taskly' });
  await expect(dialog.getByTestId('sign-in-status')).toHaveText('Waiting for the browser…');
  await expect(dialog.getByRole('textbox', { name: 'Sign-in address' })).toHaveValue(/^https:\/\/auth\.taskly\.chat\/auth\?/);
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await shot('waiting-for-the-browser');
  await expectAccessible(page, 'waiting for the browser');

  // The mock's browser finishes; this computer has the demo's two keys in its local profile.
  const adopt = page.getByRole('alertdialog', { name: 'Bring your keys into ana@example.com?' });
  await expect(adopt).toBeVisible({ timeout: 10_000 });
  await expect(adopt.getByRole('list', { name: 'Keys on this computer' })).toContainText('sk-proj-…a1b2');
  await expect(adopt.getByRole('button', { name: 'Keep them in the local profile' })).toBeFocused();
  await shot('adopt-local-keys');
  await expectAccessible(page, 'adopt local keys');
  await tabTo(page, adopt.getByRole('button', { name: 'Bring them into ana@example.com' }));
  await page.keyboard.press('Enter');
  await expect(adopt).toHaveCount(0);

  const account = header.getByRole('button', { name: 'Taskly account: ana@example.com' });
  await expect(account).toBeVisible();
  await expect(account).toBeFocused();
  await shot('signed-in');

  await page.keyboard.press('Enter');
  const panel = page.getByRole('group', { name: 'Taskly account' });
  await expect(panel.getByRole('button', { name: 'Add another account' })).toBeFocused();
  await shot('account-menu');
  await expectAccessible(page, 'account menu');
  await page.keyboard.press('Escape');
  await expect(panel).toHaveCount(0);
  await expect(account).toBeFocused();

  await page.keyboard.press('Control+,');
  const settings = page.getByRole('dialog', { name: 'Settings' });
  // The tabs are one stop for Tab; the arrow keys (and End) move between them.
  await expect(settings.getByRole('tab', { name: /AI keys/ })).toBeFocused();
  await page.keyboard.press('End');
  await expect(settings.getByRole('tab', { name: /Account/ })).toBeFocused();
  await expect(settings.getByTestId('account-who')).toContainText('Signed in as ana@example.com');
  await shot('settings-account');
  await expectAccessible(page, 'settings, account');

  expect(consoleLines.filter((l) => /Content Security Policy|pageerror|^error/i.test(l))).toEqual([]);
});

test('a Taskly question without a sign-in offers Sign in, then answers via the account', async ({ page }, info) => {
  const consoleLines = watchConsole(page);
  const shot = shooter(page, info, 'account-chat');
  await page.goto('/?speed=fast&taskly=signin&signin=600');
  await expect(page.locator('header.topbar').getByRole('button', { name: 'Sign in to Taskly' })).toBeVisible();
  await page.keyboard.press('Control+k');
  const palette = page.getByRole('dialog', { name: 'Ask AI' });
  await expect(palette.getByRole('textbox', { name: /Your question for/ })).toBeFocused();
  await page.keyboard.type('Hello?');
  await page.keyboard.press('Enter');
  const error = palette.getByTestId('chat-error');
  await expect(error).toHaveAttribute('data-code', 'sign_in_required');
  await shot('sign-in-required');
  await expectAccessible(page, 'sign in required');

  await tabTo(page, error.getByRole('button', { name: 'Sign in to Taskly' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Sign in to Taskly' })).toBeVisible();
  await expect(page.getByRole('dialog', { name: 'Sign in to Taskly' })).toHaveCount(0, { timeout: 10_000 });
  await expect(palette.getByTestId('expected-route')).toHaveText('Taskly (ana@example.com)');
  await tabTo(page, palette.getByRole('button', { name: 'Retry as ana@example.com' }));
  await page.keyboard.press('Enter');
  const turn = palette.getByTestId('turn').last();
  await expect(turn).toHaveAttribute('data-status', 'done', { timeout: 15_000 });
  await expect(turn.getByTestId('answer-route')).toHaveText('via Taskly (ana@example.com)');
  await shot('answered-via-account');
  await expectAccessible(page, 'answered via the account');

  expect(consoleLines.filter((l) => /Content Security Policy|pageerror|^error/i.test(l))).toEqual([]);
});
