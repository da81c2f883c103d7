import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../bindings/registry';
import { DOCS_ANCHORS, docsUrl, providerGuideUrl } from './docs';

const DOCS = path.resolve(import.meta.dirname, '..', '..', '..', 'docs');

describe('Links to the user documentation', () => {
  it.each(Object.entries(DOCS_ANCHORS))('docs/%s.md exists and has every anchor the app links to', (page, anchors) => {
    const file = path.join(DOCS, `${page}.md`);
    expect(existsSync(file), file).toBe(true);
    const text = readFileSync(file, 'utf8');
    for (const anchor of anchors) expect(text, `${page}#${anchor}`).toContain(`id="${anchor}"`);
  });

  it('has a provider guide for every provider in the core’s registry', () => {
    expect([...DOCS_ANCHORS.providers].sort()).toEqual(PROVIDERS.map((p) => p.id).sort());
  });

  it('builds page and anchor addresses', () => {
    expect(docsUrl('privacy', 'what-goes-where')).toMatch(/\/privacy#what-goes-where$/);
    expect(providerGuideUrl('azure-openai')).toMatch(/\/providers#azure-openai$/);
  });
});
