// In-app guidance in Chromium: the first-run tip (shown on a first visit, gone once dismissed,
// remembered as one boolean), and the flows docs/ux.md shows that the main spec does not:
// saving a rate-limited or out-of-credit key, an unreachable provider, editing a key, and chat
// errors for quota and outages. Screenshots go to artifacts/screenshots/<project>-guide-*.
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, shooter, webStorageDump } from './helpers';

test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    Object.freeze(Object.prototype);
  });
});

async function openSettings(page: Page) {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await expect(dialog).toBeVisible();
  return dialog;
}

async function addKey(page: Page, secret: string, label: string) {
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await settings.getByLabel('OpenAI API key').fill(secret);
  await settings.getByLabel(/^Label/).fill(label);
  await settings.getByRole('button', { name: 'Check and save key' }).click();
}

test('the first-run tip, and the flows of docs/ux.md', async ({ page }, info) => {
  const shot = shooter(page, info, 'guide');
  await page.goto('/?speed=fast');
  const settings = await openSettings(page);
  const tip = settings.getByTestId('first-run-hint');
  await expect(tip).toBeVisible();
  await expect(tip.getByRole('link', { name: /step-by-step guide for each provider/ })).toBeVisible();
  await shot('first-run');
  await expectAccessible(page, 'first-run tip');

  // The provider cannot be reached: nothing saved, "save without checking" offered.
  await addKey(page, 'sk-proj-offline-0123456789abcdefGHIJ', 'Travel');
  await expect(settings.getByTestId('save-error')).toContainText('Could not reach OpenAI');
  await settings.getByTestId('save-error').scrollIntoViewIfNeeded();
  await shot('unreachable');

  // Rate limited: the key works, so it is saved with a note; the tip is gone.
  await addKey(page, 'sk-proj-ratelimit-0123456789abcdefKLMN', 'Work');
  await expect(settings.getByTestId('save-outcome')).toContainText('rate limiting');
  await expect(tip).toHaveCount(0);
  await settings.getByTestId('save-outcome').scrollIntoViewIfNeeded();
  await shot('rate-limited-saved');

  // Out of credit: saved too, with the billing link.
  await addKey(page, 'sk-proj-quota-0123456789abcdefOPQR', 'Team');
  await expect(settings.getByTestId('save-outcome')).toContainText('out of quota or credit');
  await settings.getByTestId('save-outcome').scrollIntoViewIfNeeded();
  await shot('quota-saved');

  // Edit a key's label.
  const work = settings.getByRole('listitem', { name: 'Work' });
  await work.getByRole('button', { name: 'Edit “Work”' }).click();
  const form = settings.getByRole('form', { name: 'Edit “Work”' });
  await expect(form).toBeVisible();
  await form.getByLabel(/^Label/).fill('Work laptop');
  await form.scrollIntoViewIfNeeded();
  await shot('edit');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(settings.getByRole('listitem', { name: 'Work laptop' })).toBeVisible();
  await settings.getByRole('listitem', { name: 'Work laptop' }).scrollIntoViewIfNeeded();
  await shot('edited');
});

test('chat errors: out of credit and a provider outage', async ({ page }, info) => {
  const shot = shooter(page, info, 'guide-chat');
  await page.goto('/?speed=fast&seed=demo');
  await expect(page.getByText('Your OpenAI key sk-proj-…a1b2').first()).toBeVisible();
  await page.keyboard.press('Control+k');
  const palette = page.getByRole('dialog', { name: 'Ask AI' });
  await expect(palette.getByRole('textbox')).toBeFocused();
  await page.keyboard.type('Plan my week #quota');
  await page.keyboard.press('Enter');
  await expect(palette.getByTestId('turn').last().getByTestId('chat-error')).toContainText('out of quota or credit');
  await shot('quota');

  await page.keyboard.press('Control+k');
  await page.keyboard.type('Plan my week #outage');
  await page.keyboard.press('Enter');
  await expect(palette.getByTestId('turn').last().getByTestId('chat-error')).toContainText('having trouble');
  await shot('outage');
});

test('a dismissed tip stays dismissed, and only that fact is stored', async ({ page }) => {
  await page.goto('/?speed=fast');
  let settings = await openSettings(page);
  await settings.getByLabel('OpenAI API key').fill('sk-proj-TipCanary0123456789abcdefSTUV');
  await settings.getByRole('button', { name: 'Dismiss this tip' }).click();
  await expect(settings.getByTestId('first-run-hint')).toHaveCount(0);
  await expect(settings.getByTestId('keys-empty')).toBeVisible();
  await page.reload();
  settings = await openSettings(page);
  await expect(settings.getByTestId('keys-empty')).toBeVisible();
  await expect(settings.getByTestId('first-run-hint')).toHaveCount(0);
  const dump = await webStorageDump(page);
  expect(dump).not.toContain('TipCanary');
  expect(dump).toContain('taskly.firstRunHint.done=true');
});
