/**
 * Renders an answer as Markdown, also while it is still streaming (an unclosed code fence simply
 * renders as a code block until it closes). No raw HTML is rendered; links go through
 * `open_external` and only http, https and mailto survive; images are never loaded.
 */
import { memo, useState } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import type { Element, ElementContent } from 'hast';
import { safeExternalUrl } from '../../lib/links';
import { ExternalLink } from '../ExternalLink';
import { CheckIcon, CopyIcon } from '../Icons';

function textOf(node: ElementContent | Element | undefined): string {
  if (!node) return '';
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(textOf).join('');
  return '';
}

function CopyButton({ text }: { text: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    window.setTimeout(() => setState('idle'), 2000);
  };
  return (
    <button
      type="button"
      className="button button-tiny code-copy"
      onClick={() => void copy()}
      aria-label={state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy code'}
    >
      {state === 'copied' ? <CheckIcon size={13} /> : <CopyIcon size={13} />}
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}</span>
    </button>
  );
}

const components: Components = {
  a: ({ href, children }) => (
    <ExternalLink href={href} className="link">
      {children}
    </ExternalLink>
  ),
  img: ({ alt, src }) => {
    // Remote images are never loaded (privacy, and the CSP forbids them): offer the link instead.
    const url = safeExternalUrl(src);
    const label = `Image${alt ? `: ${alt}` : ''}`;
    return url ? (
      <ExternalLink href={url} className="link md-image">
        {label}
      </ExternalLink>
    ) : (
      <span className="md-image">{label}</span>
    );
  },
  pre: ({ node, children }) => {
    const code = node?.children.find((c): c is Element => c.type === 'element' && c.tagName === 'code');
    const classes = code?.properties?.className;
    const lang = Array.isArray(classes)
      ? classes.map(String).find((c) => c.startsWith('language-'))?.slice('language-'.length)
      : undefined;
    const text = textOf(code).replace(/\n$/, '');
    return (
      <div className="code-block">
        <div className="code-head">
          <span className="code-lang">{lang ?? 'code'}</span>
          <CopyButton text={text} />
        </div>
        {/* Keyboard users can scroll wide code. */}
        {/* eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex */}
        <pre tabIndex={0} aria-label={`${lang ?? 'Code'} block`}>
          {children}
        </pre>
      </div>
    );
  },
  table: ({ children }) => (
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
    <div className="table-wrap" tabIndex={0} role="group" aria-label="Table">
      <table>{children}</table>
    </div>
  ),
};

const urlTransform = (url: string) => safeExternalUrl(url) ?? '';

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]} skipHtml urlTransform={urlTransform} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
