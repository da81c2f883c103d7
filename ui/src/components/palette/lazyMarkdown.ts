/**
 * The Markdown renderer is a separate chunk (it is most of the bundle); the palette preloads it
 * when it opens, so answers render as Markdown from their first word.
 */
import { lazy } from 'react';

const load = () => import('./Markdown');

export const Markdown = lazy(() => load().then((m) => ({ default: m.Markdown })));

export function preloadMarkdown(): void {
  void load();
}
