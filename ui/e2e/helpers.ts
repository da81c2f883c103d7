// Helpers for the Chromium tests: keyboard-only navigation, screenshots, axe, storage scans.
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const SHOTS = path.resolve(import.meta.dirname, '..', 'artifacts', 'screenshots');

/** Presses Tab (or Shift+Tab) until `target` has focus; fails if it never does. */
export async function tabTo(page: Page, target: Locator, options: { back?: boolean; max?: number } = {}) {
  const max = options.max ?? 60;
  for (let i = 0; i <= max; i++) {
    const focused = await target.evaluate((el) => el === document.activeElement, undefined, { timeout: 3000 }).catch(() => false);
    if (focused) return;
    await page.keyboard.press(options.back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Could not reach ${target.toString()} with the keyboard`);
}

/** Saves a screenshot as artifacts/screenshots/<project>-<nn>-<name>.png. */
export function shooter(page: Page, info: TestInfo, prefix: string) {
  let n = 0;
  mkdirSync(SHOTS, { recursive: true });
  return async (name: string, options: { settle?: boolean } = {}) => {
    n += 1;
    // Let animations settle so screenshots show the resting state (not for passing states).
    if (options.settle !== false) await page.waitForTimeout(220);
    await page.screenshot({ path: path.join(SHOTS, `${info.project.name}-${prefix}-${String(n).padStart(2, '0')}-${name}.png`) });
  };
}

/** Runs axe (with colour contrast: this is a real browser) and fails on any violation. */
export async function expectAccessible(page: Page, label: string) {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; help: string; nodes: { target: string[]; failureSummary?: string }[] }[] }> } };
    const result = await w.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id}: ${v.help} → ${v.nodes.map((n) => `${n.target.join(' ')} (${n.failureSummary ?? ''})`).join('; ')}`);
  });
  expect(violations, `axe violations (${label})`).toEqual([]);
}

/** Everything the page keeps in web storage, as text. */
export async function webStorageDump(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const out: string[] = [];
    for (const store of [localStorage, sessionStorage]) {
      for (let i = 0; i < store.length; i++) {
        const k = store.key(i) ?? '';
        out.push(`${k}=${store.getItem(k) ?? ''}`);
      }
    }
    out.push(`cookie=${document.cookie}`);
    const dbs = await indexedDB.databases();
    for (const info of dbs) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(info.name as string);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      for (const storeName of Array.from(db.objectStoreNames)) {
        const rows = await new Promise<unknown[]>((resolve, reject) => {
          const req = db.transaction(storeName).objectStore(storeName).getAll();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        out.push(`${info.name}/${storeName}=${JSON.stringify(rows)}`);
      }
      db.close();
    }
    if ('caches' in window) {
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const req of await cache.keys()) {
          const res = await cache.match(req);
          out.push(`${name}:${req.url}=${res ? await res.text() : ''}`);
        }
      }
    }
    return out.join('\n');
  });
}

/** Collects console output and page errors (CSP violations show up here). */
export function watchConsole(page: Page) {
  const lines: string[] = [];
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  return lines;
}
