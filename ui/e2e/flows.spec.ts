// The main flows in Chromium, keyboard only, against the built UI with the mock IPC:
// add a key (masked), switch it on, ask through it, switch it off (Taskly), an invalid key,
// delete with confirmation; then no typed key anywhere in web storage or the console.
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, shooter, tabTo, watchConsole, webStorageDump } from './helpers';

// tauri.conf.json sets `freezePrototype`: the UI must work with a frozen Object.prototype.
test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    Object.freeze(Object.prototype);
  });
});

const VALID = 'sk-proj-E2eCanaryKey0123456789abcdefK9z4';
const INVALID = 'sk-proj-invalid-E2eCanary0123456789abcd';

async function openSettings(page: Page) {
  await tabTo(page, page.getByRole('button', { name: 'Settings', exact: true }));
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await expect(dialog).toBeVisible();
  return dialog;
}

async function closeDialog(page: Page) {
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
}

async function askInPalette(page: Page, question: string) {
  await page.keyboard.press('Control+k');
  const palette = page.getByRole('dialog', { name: 'Ask AI' });
  await expect(palette).toBeVisible();
  const input = palette.getByRole('textbox', { name: /Your question for/ });
  await expect(input).toBeFocused();
  await page.keyboard.type(question);
  await page.keyboard.press('Enter');
  const turn = palette.getByTestId('turn').last();
  await expect(turn).toHaveAttribute('data-status', 'done', { timeout: 15_000 });
  return { palette, turn };
}

test('keys and palette, keyboard only', async ({ page }, info) => {
  const consoleLines = watchConsole(page);
  const shot = shooter(page, info, 'main');
  await page.goto('/?speed=fast');
  await expect(page.getByRole('heading', { name: 'Ask with your own AI account' })).toBeVisible();
  await expect(page.getByText('All providers')).toBeVisible();
  await shot('home');
  await expectAccessible(page, 'home');

  // Settings → AI keys: empty state.
  let settings = await openSettings(page);
  await expect(settings.getByTestId('keys-empty')).toBeVisible();
  await shot('settings-empty');
  await expectAccessible(page, 'settings, empty');

  // Inline hygiene message before anything is sent.
  const keyField = settings.getByLabel('OpenAI API key');
  await tabTo(page, keyField);
  await page.keyboard.type('Bearer sk-proj-abc');
  await expect(settings.getByText('The key contains a space.')).toBeVisible();
  await shot('hygiene-message');
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');

  // Add a key, not switched on yet.
  await page.keyboard.type(VALID);
  await expect(settings.getByText('The key contains a space.')).toHaveCount(0);
  await page.keyboard.press('Tab'); // show/hide
  await page.keyboard.press('Tab'); // label
  await expect(settings.getByLabel(/^Label/)).toBeFocused();
  await page.keyboard.type('Work');
  const useNow = settings.getByRole('checkbox', { name: /Use this key for OpenAI requests/ });
  await tabTo(page, useNow);
  await page.keyboard.press('Space');
  await expect(useNow).not.toBeChecked();
  await tabTo(page, settings.getByRole('button', { name: 'Check and save key' }));
  await page.keyboard.press('Enter');
  await expect(settings.getByRole('button', { name: /Checking…/ })).toBeVisible();
  await shot('checking', { settle: false });
  const outcome = settings.getByTestId('save-outcome');
  await expect(outcome).toContainText('Saved and verified. It can use 6 models.');
  await expect(keyField).toHaveValue('');

  // Masked in the list.
  const card = settings.getByRole('listitem', { name: 'Work' });
  await expect(card.getByTestId('masked')).toHaveText('sk-proj-…K9z4');
  await expect(card).toContainText('Verified');
  await card.scrollIntoViewIfNeeded();
  await shot('saved-masked');
  await expectAccessible(page, 'settings, one key');

  // Switch it on.
  const toggle = card.getByRole('switch', { name: /Use for OpenAI/ });
  await tabTo(page, toggle, { back: true });
  await page.keyboard.press('Space');
  await expect(toggle).toBeChecked();
  await expect(settings.getByTestId('switch-notice')).toContainText('Switched on “Work” for OpenAI.');
  await shot('switched-on');
  await closeDialog(page);

  // Ask through the personal key.
  let asked = await askInPalette(page, 'What is the capital of France?');
  await expect(asked.turn.getByTestId('answer-route')).toHaveText('Your OpenAI key sk-proj-…K9z4');
  await expect(asked.turn.getByTestId('answer-text')).toContainText('What is the capital of France?');
  await expect(asked.turn.getByTestId('answer-footer')).toContainText('Tokens used:');
  await shot('palette-personal');
  await expectAccessible(page, 'palette, answered');
  await closeDialog(page);

  // Switch it off: Taskly answers.
  settings = await openSettings(page);
  const toggleAgain = settings.getByRole('listitem', { name: 'Work' }).getByRole('switch');
  await tabTo(page, toggleAgain);
  await page.keyboard.press('Space');
  await expect(toggleAgain).not.toBeChecked();
  await expect(settings.getByTestId('switch-notice')).toContainText('OpenAI requests now go through Taskly');
  await closeDialog(page);
  asked = await askInPalette(page, 'And now?');
  await expect(asked.turn.getByTestId('answer-route')).toHaveText('Taskly');
  await shot('palette-taskly');
  await closeDialog(page);

  // An invalid key: refused, stays in the field, nothing stored.
  settings = await openSettings(page);
  const field = settings.getByLabel('OpenAI API key');
  await tabTo(page, field);
  await page.keyboard.type(INVALID);
  await page.keyboard.press('Enter');
  const refused = settings.getByTestId('save-error');
  await expect(refused).toContainText('OpenAI refused this key');
  await expect(field).toHaveValue(INVALID);
  await expect(field).toBeFocused();
  await expect(settings.getByRole('listitem')).toHaveCount(1);
  await refused.scrollIntoViewIfNeeded();
  await shot('invalid-key');
  await expectAccessible(page, 'settings, invalid key');
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');

  // Delete with a confirmation naming the key.
  const del = settings.getByRole('button', { name: 'Delete “Work”' });
  await tabTo(page, del, { back: true });
  await page.keyboard.press('Enter');
  const confirm = page.getByRole('alertdialog', { name: 'Delete “Work”?' });
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText('sk-proj-…K9z4');
  await expect(confirm.getByRole('button', { name: 'Keep key' })).toBeFocused();
  await shot('delete-confirm');
  await expectAccessible(page, 'delete confirmation');
  await page.keyboard.press('Tab');
  await expect(confirm.getByRole('button', { name: 'Delete key' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(confirm).toHaveCount(0);
  await expect(settings.getByTestId('keys-empty')).toBeVisible();
  await shot('deleted');

  // Nothing typed survives in web storage or the console; no CSP violation.
  const dump = await webStorageDump(page);
  for (const secret of [VALID, INVALID, 'E2eCanary']) expect(dump).not.toContain(secret);
  expect(consoleLines.join('\n')).not.toContain('E2eCanary');
  expect(consoleLines.filter((l) => /Content Security Policy|pageerror|^error/i.test(l))).toEqual([]);
});

test('one key per provider, and the privacy panel', async ({ page }, info) => {
  const shot = shooter(page, info, 'switch');
  await page.goto('/?speed=fast&seed=demo');
  const settings = await openSettings(page);
  await expect(settings.getByRole('listitem', { name: 'Work' })).toBeVisible();
  await shot('demo-keys');
  await expectAccessible(page, 'settings, demo keys');

  await tabTo(page, settings.getByLabel('OpenAI API key'));
  await page.keyboard.type('sk-proj-SecondKey0123456789abcdefZZ11');
  await tabTo(page, settings.getByLabel(/^Label/));
  await page.keyboard.type('Spare');
  const useNow = settings.getByRole('checkbox', { name: /Use this key for OpenAI requests/ });
  await expect(useNow).not.toBeChecked();
  await expect(settings.getByText('Your OpenAI key “Work” stays on')).toBeVisible();
  await tabTo(page, settings.getByRole('button', { name: 'Check and save key' }));
  await page.keyboard.press('Enter');
  await expect(settings.getByTestId('save-outcome')).toBeVisible();

  const spare = settings.getByRole('listitem', { name: 'Spare' });
  await expect(spare).toContainText('Turning this on switches off “Work”.');
  await tabTo(page, spare.getByRole('switch'), { back: true });
  await page.keyboard.press('Space');
  const notice = settings.getByTestId('switch-notice');
  await expect(notice).toContainText('Your other OpenAI key “Work” (sk-proj-…a1b2) was switched off');
  await expect(settings.getByRole('listitem', { name: 'Work' }).getByRole('switch')).not.toBeChecked();
  await notice.scrollIntoViewIfNeeded();
  await shot('one-per-provider');

  // Privacy tab, by keyboard.
  // Back past every card's actions (edit, replace, check, order, delete) to the tabs.
  await tabTo(page, settings.getByRole('tab', { name: /AI keys/ }), { back: true, max: 100 });
  await page.keyboard.press('ArrowRight');
  const privacy = settings.getByRole('tabpanel', { name: /Privacy/ });
  await expect(privacy).toContainText('It is never sent to Taskly');
  await expect(privacy.getByRole('switch', { name: 'Use Taskly when my key fails' })).not.toBeChecked();
  await shot('privacy');
  await expectAccessible(page, 'privacy');
});

test('palette errors and their actions', async ({ page }, info) => {
  const shot = shooter(page, info, 'errors');
  await page.goto('/?speed=fast&seed=demo');
  await expect(page.getByText('Your OpenAI key sk-proj-…a1b2').first()).toBeVisible();
  await page.keyboard.press('Control+k');
  const palette = page.getByRole('dialog', { name: 'Ask AI' });
  await expect(palette.getByRole('textbox')).toBeFocused();
  await shot('palette-open');

  await page.keyboard.type('Summarise this #ratelimit');
  await page.keyboard.press('Enter');
  const error = palette.getByTestId('chat-error');
  await expect(error).toContainText('Rate limited');
  await expect(error.getByTestId('retry-countdown')).toBeVisible();
  await shot('rate-limited');
  await expectAccessible(page, 'palette, rate limited');

  await page.keyboard.press('Control+k');
  await page.keyboard.type('Write more #cut');
  await page.keyboard.press('Enter');
  const cut = palette.getByTestId('turn').last().getByTestId('chat-error');
  await expect(cut).toContainText('The answer was cut off');
  await shot('stream-cut');

  await page.keyboard.press('Control+k');
  await page.keyboard.type('Once more #invalid');
  await page.keyboard.press('Enter');
  const invalid = palette.getByTestId('turn').last().getByTestId('chat-error');
  await expect(invalid).toContainText('OpenAI refused your key');
  await shot('invalid-in-chat');
  await tabTo(page, invalid.getByRole('button', { name: 'Update key' }));
  await page.keyboard.press('Enter');
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await expect(settings.getByLabel('New OpenAI API key')).toBeFocused();
  await shot('update-key-opened');
});

test('a broken credential store is shown prominently; demo mode is labelled', async ({ page }, info) => {
  const shot = shooter(page, info, 'store');
  await page.goto('/?speed=fast&store=broken&demo=on');
  const banner = page.getByTestId('store-banner');
  await expect(banner).toContainText('is not working');
  await expect(page.getByTestId('demo-notice')).toContainText('stand-in service running on this computer');
  await shot('banner');
  await expectAccessible(page, 'store banner');
});
