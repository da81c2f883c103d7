/**
 * Links from the app to the user documentation (the `docs/*.md` pages of the repository, as
 * published under `DOCS_BASE`). Every anchor used here exists in its page: `docs.test.ts` reads
 * the Markdown files and fails when one is missing.
 */
import type { ProviderId } from '../bindings/core';

/** Where the user documentation is published; each page is `<base><page>`. */
export const DOCS_BASE = 'https://taskly.chat/docs/desktop/';

/** The user documentation pages (`docs/<page>.md`). */
export type DocsPage = 'providers' | 'privacy' | 'troubleshooting' | 'ux';

/** The anchors the app links to, per page. */
export const DOCS_ANCHORS = {
  providers: ['openai', 'anthropic', 'gemini', 'mistral', 'groq', 'openrouter', 'deepseek', 'xai', 'azure-openai', 'custom'],
  privacy: ['what-goes-where'],
  troubleshooting: ['credential-store', 'proxies-and-certificates'],
  ux: [],
} as const satisfies Record<DocsPage, readonly string[]>;

type Anchor<P extends DocsPage> = (typeof DOCS_ANCHORS)[P][number];

/** The web address of a documentation page, optionally at one of its anchors. */
export function docsUrl<P extends DocsPage>(page: P, anchor?: Anchor<P>): string {
  return `${DOCS_BASE}${page}${anchor ? `#${anchor}` : ''}`;
}

/** The step-by-step "get a key" section for one provider. */
export function providerGuideUrl(provider: ProviderId): string {
  return docsUrl('providers', provider);
}
