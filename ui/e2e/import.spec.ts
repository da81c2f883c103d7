// Keys out of plaintext in Chromium, keyboard only, against the built UI with the mock IPC:
// import keys found on this computer, remove their plaintext copies after seeing the lines,
// and the palette's prompt guard (blocked, then Send anyway).
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { expectAccessible, shooter, tabTo, watchConsole, webStorageDump } from './helpers';

test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    Object.freeze(Object.prototype);
  });
});

/** One review picture per step in /tmp/ui-shots (desktop, light only). */
async function reviewShot(page: Page, info: TestInfo, name: string) {
  if (info.project.name !== 'desktop-light') return;
  mkdirSync('/tmp/ui-shots', { recursive: true });
  await page.waitForTimeout(220);
  await page.screenshot({ path: `/tmp/ui-shots/${name}.png` });
}

const KEY_IN_QUESTION = 'sk-proj-E2eGuardCanary0123456789abcdWx7q';

test('import keys from this computer, then remove the plaintext copies', async ({ page }, info) => {
  const consoleLines = watchConsole(page);
  const shot = shooter(page, info, 'import');
  await page.goto('/?seed=demo&speed=fast');
  await tabTo(page, page.getByRole('button', { name: 'Settings', exact: true }));
  await page.keyboard.press('Enter');
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await expect(settings).toBeVisible();

  const opener = settings.getByRole('button', { name: 'Import keys from this computer' });
  await tabTo(page, opener);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Import keys from this computer' });
  await expect(dialog.getByRole('heading', { name: /Found 4 keys/ })).toBeFocused();
  const finds = dialog.getByTestId('find');
  await expect(finds).toHaveCount(4);
  await expect(finds.filter({ hasText: 'sk-proj-…q9Zt' })).toContainText('~/.bashrc, line 12 (OPENAI_API_KEY)');
  await expect(finds.filter({ hasText: 'sk-ant-api03-…XyZ1' })).toContainText('Already in Taskly');
  // The fine print opens from the keyboard.
  await tabTo(page, dialog.getByRole('button', { name: 'Passed over (1 file)' }));
  await page.keyboard.press('Enter');
  await expect(dialog.getByTestId('passed-over')).toContainText('~/.config/goose/secrets.yaml');
  await shot('finds');
  await reviewShot(page, info, 'import-dialog');
  await expectAccessible(page, 'import: finds');

  // Mistral's provider is unreachable: untick it, import the other two.
  await tabTo(page, dialog.getByRole('checkbox', { name: /Mistral AI/ }), { back: true });
  await page.keyboard.press('Space');
  const importButton = dialog.getByRole('button', { name: 'Import 2 keys' });
  await tabTo(page, importButton);
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('heading', { name: 'Imported 2 keys' })).toBeFocused({ timeout: 10_000 });
  await expect(dialog.getByTestId('import-result')).toHaveCount(2);
  await expect(dialog.getByTestId('import-result').first()).toContainText('Saved and verified.');
  await expect(dialog.getByTestId('unremovable')).toContainText('An environment variable cannot be removed from a running shell.');
  await shot('results');
  await expectAccessible(page, 'import: results');

  await tabTo(page, dialog.getByRole('button', { name: 'Remove the plaintext copies…' }));
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('heading', { name: 'Remove the plaintext copies' })).toBeFocused();
  await tabTo(page, dialog.getByRole('button', { name: 'Show the changes' }));
  await page.keyboard.press('Enter');
  const plans = dialog.getByTestId('file-plan');
  await expect(plans).toHaveCount(3);
  await expect(plans.first()).toContainText('# OPENAI_API_KEY moved to the system credential store by Taskly');
  await expect(plans.last()).toContainText('JSON has no comments: choose to remove the line instead');
  await dialog.getByTestId('scrub-preview').scrollIntoViewIfNeeded();
  await shot('preview');
  await reviewShot(page, info, 'import-preview');
  await expectAccessible(page, 'import: preview');

  await tabTo(page, dialog.getByRole('button', { name: 'Rewrite 2 files' }));
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('heading', { name: 'Rewrote 2 files' })).toBeFocused();
  await expect(dialog.getByTestId('scrub-outcome')).toHaveCount(3);
  await shot('rewritten');

  // Esc closes it; the keys are in the list behind, and focus is back on the opener.
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(opener).toBeFocused();
  await expect(settings.getByRole('list', { name: 'Your AI keys' })).toContainText('From ~/.continue/config.yaml');
  expect(await webStorageDump(page)).not.toContain('mockBashrcKey');
  expect(consoleLines.filter((l) => l.startsWith('error') || l.startsWith('pageerror'))).toEqual([]);
});

test('the palette stops a question holding a key, and Send anyway sends it', async ({ page }, info) => {
  const consoleLines = watchConsole(page);
  const shot = shooter(page, info, 'guard');
  await page.goto('/?seed=demo&speed=fast');
  await expect(page.getByRole('heading', { name: 'Ask with your own AI account' })).toBeVisible();
  await page.keyboard.press('Control+k');
  const palette = page.getByRole('dialog', { name: 'Ask AI' });
  const input = palette.getByRole('textbox', { name: /Your question for/ });
  await expect(input).toBeFocused();
  await page.keyboard.type(`Why is ${KEY_IN_QUESTION} refused?`);
  await page.keyboard.press('Enter');
  const turn = palette.getByTestId('turn').last();
  await expect(turn).toHaveAttribute('data-status', 'failed');
  const card = turn.getByTestId('chat-error');
  await expect(card).toHaveAttribute('data-code', 'prompt_has_secret');
  await expect(card).toContainText('Not sent: this looks like an API key');
  await expect(card).toContainText('sk-proj-…Wx7q');
  await shot('blocked');
  await reviewShot(page, info, 'palette-block');
  await expectAccessible(page, 'palette: blocked');

  // Edit question: back in the field, focused.
  await tabTo(page, card.getByRole('button', { name: 'Edit question' }));
  await page.keyboard.press('Enter');
  await expect(input).toBeFocused();
  await expect(input).toHaveValue(`Why is ${KEY_IN_QUESTION} refused?`);
  await page.keyboard.press('Enter');
  await expect(palette.getByTestId('turn').last().getByTestId('chat-error')).toHaveAttribute('data-code', 'prompt_has_secret');

  // Send anyway: the same question goes out, and is answered.
  await tabTo(page, palette.getByRole('button', { name: 'Send anyway' }));
  await page.keyboard.press('Enter');
  await expect(palette.getByTestId('turn')).toHaveCount(1);
  await expect(palette.getByTestId('turn').last()).toHaveAttribute('data-status', 'done', { timeout: 15_000 });
  await expect(palette.getByTestId('answer-route')).toContainText('Your OpenAI key');
  await shot('sent-anyway');
  expect(consoleLines.filter((l) => l.startsWith('error') || l.startsWith('pageerror'))).toEqual([]);
});
