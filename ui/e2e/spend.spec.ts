// Backup keys, rests, the providers' own figures and the receipt in Chromium, keyboard only, with
// the mock playing the core's failover (`?seed=backups`, `?seed=rests`). Screenshots go to
// artifacts/screenshots/<project>-spend-keys-* and -spend-receipt-* (docs/ux.md shows them).
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, shooter, tabTo, watchConsole } from './helpers';

async function openSettings(page: Page) {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await expect(dialog).toBeVisible();
  return dialog;
}

test('key order, rests and the provider’s figures on the key cards', async ({ page }, info) => {
  const console = watchConsole(page);
  const shot = shooter(page, info, 'spend-keys');
  await page.goto('/?seed=backups&speed=fast');
  const settings = await openSettings(page);
  const main = settings.getByRole('listitem', { name: 'Main' });
  await expect(main.getByTestId('key-order')).toHaveText('In use');
  await expect(settings.getByRole('listitem', { name: 'Work' }).getByTestId('key-order')).toHaveText('Backup 1');
  await expect(settings.getByRole('listitem', { name: 'Spare' }).getByTestId('key-order')).toHaveText('Backup 2');
  // Work (backup 1) in the middle: Main above it, Spare below.
  await settings.getByRole('listitem', { name: 'Work' }).evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await shot('backup-order');
  await expectAccessible(page, 'backup order');

  const router = settings.getByRole('listitem', { name: 'Router' });
  await expect(router.getByTestId('key-balance')).toContainText('OpenRouter says: $3.21 used of $10.00, $6.79 left');
  // Check again, by keyboard: the figures are read again.
  const check = router.getByRole('button', { name: 'Check again “Router”' });
  await tabTo(page, check);
  await page.keyboard.press('Enter');
  await expect(router.getByTestId('key-balance')).toContainText('$3.23 used');
  await router.scrollIntoViewIfNeeded();
  await shot('balance');

  await page.goto('/?seed=rests&speed=fast&wait=90');
  const rests = await openSettings(page);
  const limited = rests.getByRole('listitem', { name: 'Main' });
  await expect(limited.getByTestId('key-rest')).toContainText(/Rate-limited — free again in 1 min [123]\d s/);
  await limited.scrollIntoViewIfNeeded();
  await shot('rate-limited');
  await expectAccessible(page, 'resting keys');
  const quota = rests.getByRole('listitem', { name: 'Work' });
  await expect(quota.getByTestId('key-rest')).toContainText('Out of quota — resting until you check it again or tomorrow');
  await quota.scrollIntoViewIfNeeded();
  await shot('quota');
  const invalid = rests.getByRole('listitem', { name: 'Old' });
  await expect(invalid.getByTestId('key-rest')).toContainText('Refused as invalid — not used until you check it again');
  await invalid.scrollIntoViewIfNeeded();
  await shot('invalid');
  // Checking the topped-up key again ends its rest.
  await tabTo(page, quota.getByRole('button', { name: 'Check again “Work”' }));
  await page.keyboard.press('Enter');
  await expect(quota.getByTestId('key-rest')).toHaveCount(0);
  expect(console.filter((l) => l.startsWith('error') || l.startsWith('pageerror'))).toEqual([]);
});

test('a rate-limited key fails over to its backup, and the receipt says why', async ({ page }, info) => {
  const console = watchConsole(page);
  const shot = shooter(page, info, 'spend-receipt');
  await page.goto('/?seed=backups&speed=fast&wait=18');
  await expect(page.getByRole('heading', { name: 'Where your questions go' })).toBeVisible();
  await page.keyboard.press('Control+k');
  const palette = page.getByRole('dialog', { name: 'Ask AI' });
  const input = palette.getByRole('textbox', { name: /Your question for/ });
  await expect(input).toBeFocused();
  await page.keyboard.type('Summarise this week’s tasks #ratelimit');
  await page.keyboard.press('Enter');
  const turn = palette.getByTestId('turn').last();
  await expect(turn).toHaveAttribute('data-status', 'done');
  await expect(turn.getByTestId('failover-notice')).toHaveText('“Main” was rate-limited; your backup “Work” answers.');
  await expect(turn.getByTestId('receipt-line')).toContainText('“Work” sk-proj-…W0rk · gpt-4o-mini-2024-07-18');
  await shot('collapsed');
  const toggle = turn.getByRole('button', { name: /^Receipt:/ });
  await tabTo(page, toggle, { back: true });
  await page.keyboard.press('Enter');
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(turn.getByTestId('receipt-details')).toContainText('backup: `Main` was rate-limited, free again in 18 s');
  await turn.getByTestId('receipt-details').scrollIntoViewIfNeeded();
  await shot('expanded');
  await expectAccessible(page, 'receipt');
  expect(console.filter((l) => l.startsWith('error') || l.startsWith('pageerror'))).toEqual([]);
});
