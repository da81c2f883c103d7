// Answers and error messages come from a provider we do not control: whatever HTML, script or
// link tricks they carry must render inert, and links must leave through `open_external`.
import { act, fireEvent } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { useEffect, useState } from 'react';
import { renderWith, screen, waitFor, within } from '../../test/render';
import type { ErrorPayload } from '../../bindings/core';
import { errorPayload } from '../../ipc/errors';
import type { Turn } from '../../state/chat';
import { useToast } from '../../state/toast';
import { Markdown } from './Markdown';
import { TurnView } from './TurnView';

type Pwned = Window & { __pwned?: unknown };
const TITLE = 'Taskly Desktop';

afterEach(() => {
  delete (window as Pwned).__pwned;
});

/** Raw HTML and script, each of which sets `window.__pwned` or the title if it ever runs. */
const HTML_PAYLOADS = [
  '<img src=x onerror="window.__pwned=1">',
  '<img src="javascript:window.__pwned=2">',
  '<script>window.__pwned=3</script>',
  '<iframe src="javascript:parent.__pwned=4"></iframe>',
  '<iframe srcdoc="<script>parent.__pwned=5</script>"></iframe>',
  '<object data="javascript:window.__pwned=6"></object>',
  '<embed src="javascript:window.__pwned=7">',
  '<svg onload="window.__pwned=8"><script>window.__pwned=9</script></svg>',
  '<svg><a xlink:href="javascript:window.__pwned=10"><text>svg link</text></a></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=11">',
  '<a href="javascript:window.__pwned=12">raw link</a>',
  '<a href="https://example.com" onclick="window.__pwned=13">raw safe link</a>',
  '<div style="background:url(javascript:window.__pwned=14)">styled</div>',
  '<p style="position:fixed;inset:0;z-index:99999;background:red">overlay</p>',
  '<style>body{display:none}</style>',
  '<link rel="stylesheet" href="https://evil.example/x.css">',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=15">',
  '<base href="https://evil.example/">',
  '<form action="https://evil.example/"><input name="k" autofocus onfocus="window.__pwned=16"><button>go</button></form>',
  '<details open ontoggle="window.__pwned=17"><summary>x</summary></details>',
  '<body onload="window.__pwned=18">',
  '<title>pwned</title>',
  '<video><source onerror="window.__pwned=19"></video>',
  '<marquee onstart="window.__pwned=20">m</marquee>',
  '<!--><img src=x onerror="window.__pwned=21">-->',
  '<noscript><p title="</noscript><img src=x onerror=window.__pwned=22>">',
];

/** Markdown link tricks: none of these may end up as a link the web view could follow. */
const LINK_PAYLOADS = [
  '[plain js](javascript:window.__pwned=30)',
  '[mixed case](JaVaScRiPt:window.__pwned=31)',
  '[spaced](  javascript:window.__pwned=32  )',
  '[tab](java\tscript:window.__pwned=33)',
  '[entity](&#106;avascript:window.__pwned=34)',
  '[entity colon](javascript&#58;window.__pwned=35)',
  '[hex entity](&#x6A;avascript:window.__pwned=36)',
  '[escaped](javascript\\:window.__pwned=37)',
  '[angle](<javascript:window.__pwned=38>)',
  '[data](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0zOTwvc2NyaXB0Pg==)',
  '[vb](vbscript:msgbox(40))',
  '[file](file:///etc/passwd)',
  '[blob](blob:https://example.com/uuid)',
  '[ipc](ipc://localhost/plugin:fs|read_file)',
  '[tauri](tauri://localhost/index.html)',
  '[relative](/etc/passwd)',
  '[protocol relative](//evil.example/x)',
  '[titled](javascript:window.__pwned=41 "title")',
  '<javascript:window.__pwned=42>',
  '<data:text/html,<script>parent.__pwned=43</script>>',
  '<vbscript:msgbox(44)>',
  '[ref link][evil]',
  '[evil]',
  '[ref data][dataref]',
  '![image](javascript:window.__pwned=45)',
  '![svg](data:image/svg+xml,<svg onload="window.__pwned=46"></svg>)',
  '![remote](https://evil.example/track.png)',
  '![ref image][evil]',
];

const ANSWER = [
  'Here is the answer.',
  '',
  ...HTML_PAYLOADS.flatMap((p) => [p, '']),
  ...LINK_PAYLOADS.flatMap((p) => [`- ${p}`]),
  '',
  'A [good link](https://example.com/docs?q=1) and an autolink <https://example.org/> and www.example.net.',
  '',
  '```html',
  '<script>window.__pwned=99</script>',
  '```',
  '',
  '| a | b |',
  '|:--|--:|',
  '| <img src=x onerror="window.__pwned=50"> | [t](javascript:window.__pwned=51) |',
  '',
  'END-OF-ANSWER',
  '',
  '[evil]: javascript:window.__pwned=60',
  '[dataref]: data:text/html,<script>parent.__pwned=61</script>',
].join('\n');

const FORBIDDEN_TAGS = [
  'script',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'img',
  'video',
  'audio',
  'source',
  'style',
  'link',
  'meta',
  'base',
  'form',
  'input',
  'textarea',
  'select',
  'math',
  'foreignObject',
  'template',
  'noscript',
  'marquee',
  'details',
  'title',
];

/** The whole promise for one rendered subtree: nothing that runs, loads or navigates. */
function expectInert(root: Element) {
  const all = [root, ...Array.from(root.querySelectorAll('*'))];
  for (const el of all) {
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      expect(name.startsWith('on'), `${el.tagName} has ${name}="${attr.value}"`).toBe(false);
      if (['src', 'srcset', 'srcdoc', 'action', 'formaction', 'data', 'xlink:href', 'poster', 'background'].includes(name)) {
        throw new Error(`${el.tagName} has ${name}="${attr.value}"`);
      }
      if (name === 'href') {
        expect(el.tagName, `href on ${el.tagName}`).toBe('A');
        expect(attr.value, `link ${attr.value}`).toMatch(/^(https?:\/\/[^/]|mailto:)/i);
      }
      if (name === 'style') {
        // Only what the renderer itself writes (table cell alignment), never content's CSS.
        expect(attr.value, `style on ${el.tagName}`).toMatch(/^text-align: ?(left|right|center);?$/);
      }
      if (name === 'target') throw new Error(`${el.tagName} has target="${attr.value}"`);
    }
  }
  for (const tag of FORBIDDEN_TAGS) {
    expect(root.getElementsByTagName(tag), `<${tag}>`).toHaveLength(0);
  }
  // The only SVG is the app's own icon (hidden, bundled), never the content's.
  for (const svg of Array.from(root.querySelectorAll('svg'))) {
    expect(svg.getAttribute('aria-hidden')).toBe('true');
    expect(svg.querySelector('a, script, foreignObject, use, image')).toBeNull();
  }
  expect((window as Pwned).__pwned).toBeUndefined();
  expect(document.title).toBe(TITLE);
}

async function renderMarkdown(text: string) {
  document.title = TITLE;
  const r = renderWith(<Markdown text={text} />);
  const root = r.container.querySelector('.markdown');
  expect(root).not.toBeNull();
  await waitFor(() => expect(r.api.calls.length).toBeGreaterThan(0));
  return { ...r, root: root! };
}

describe('Markdown answers are inert', () => {
  it('renders HTML, script and link tricks as harmless text', async () => {
    const { root } = await renderMarkdown(ANSWER);
    expect(root).toHaveTextContent('END-OF-ANSWER');
    // The payloads were really parsed (not dropped wholesale): the link texts stay as text.
    expect(root).toHaveTextContent('plain js');
    expect(root).toHaveTextContent('ref link');
    // Code blocks show HTML as code, not markup.
    expect(root.querySelector('pre code')).toHaveTextContent('<script>window.__pwned=99</script>');
    // Give anything that might load or fire (onerror, onload, timers) a moment.
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    expectInert(root);
  });

  it('keeps exactly the web links, and they open in the system browser', async () => {
    const { root, api } = await renderMarkdown(ANSWER);
    const links = Array.from(root.querySelectorAll('a'));
    // The remote image is offered as a link to open in the browser, never loaded.
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      'https://evil.example/track.png',
      'https://example.com/docs?q=1',
      'https://example.org/',
      'http://www.example.net/',
    ]);
    for (const link of links) {
      const before = api.calls.filter((c) => c.command === 'open_external').length;
      // fireEvent returns false when the default action (navigating the web view) was prevented.
      expect(fireEvent.click(link)).toBe(false);
      expect(fireEvent(link, new MouseEvent('auxclick', { bubbles: true, cancelable: true, button: 1 }))).toBe(false);
      await waitFor(() => expect(api.calls.filter((c) => c.command === 'open_external').length).toBe(before + 2));
      expect(api.calls.at(-1)).toEqual({ command: 'open_external', args: { url: link.getAttribute('href') } });
      expect(link).toHaveAttribute('rel', 'noreferrer noopener');
    }
  });

  it('offers a remote image as a link instead of loading it', async () => {
    const { root } = await renderMarkdown('![chart](https://images.example/chart.png)');
    expect(root.querySelector('img')).toBeNull();
    const link = within(root as HTMLElement).getByRole('link', { name: /Image: chart/ });
    expect(link).toHaveAttribute('href', 'https://images.example/chart.png');
    expectInert(root);
  });

  it('stays inert while an answer streams in, cut at every point', async () => {
    const piece = '<img src=x onerror="window.__pwned=1"> [a](javascript:window.__pwned=2) <svg onload="window.__pwned=3"> ';
    let setText: (text: string) => void = () => {};
    function Streaming() {
      const [text, set] = useState('');
      setText = set;
      return <Markdown text={text} />;
    }
    document.title = TITLE;
    const r = renderWith(<Streaming />);
    for (let i = 1; i <= piece.length; i += 1) {
      act(() => setText(piece.slice(0, i)));
      expectInert(r.container);
    }
    expect(r.container).toHaveTextContent(/^a$/);
  });

  it('renders a very long or deeply nested answer without giving up being inert', async () => {
    const long = Array.from({ length: 1000 }, (_, i) => `Line ${i} <img src=x onerror="window.__pwned=${i}"> [l${i}](javascript:x${i})`).join('\n\n');
    const nested = `${'> '.repeat(200)}deep <script>window.__pwned=1</script>\n\n${'['.repeat(5000)}x${']'.repeat(5000)}(javascript:y)\n\n${'*'.repeat(20000)}`;
    const started = performance.now();
    const { root } = await renderMarkdown(`${long}\n\n${nested}\n\nEND`);
    expect(root).toHaveTextContent('Line 999');
    expect(performance.now() - started).toBeLessThan(20_000);
    expectInert(root);
  }, 30_000);
});

function turn(extra: Partial<Turn>): Turn {
  return {
    id: 't1',
    question: '<img src=x onerror="window.__pwned=1"> what?',
    provider: 'openai',
    model: '<svg/onload=window.__pwned=2>',
    status: 'failed',
    text: '<script>window.__pwned=3</script>[x](javascript:window.__pwned=4) partial',
    route: { kind: 'personal', key_id: 'k1', label: '<img src=x onerror="window.__pwned=5">', masked: 'sk-…<b>', fallback: null } as unknown as Turn['route'],
    answeredModel: '<img src=x onerror="window.__pwned=6">',
    usage: null,
    warnings: ['<img src=x onerror="window.__pwned=7">'],
    retry: null,
    fallback: null,
    failovers: [],
    receipt: null,
    error: null,
    errorAt: Date.now(),
    allowSecrets: false,
    ...extra,
  };
}

const hostileError = (extra: Partial<ErrorPayload> = {}): ErrorPayload =>
  errorPayload('upstream_outage', 'The provider said: <img src=x onerror="window.__pwned=8"><script>window.__pwned=9</script> <a href="javascript:window.__pwned=10">here</a>', {
    action: 'check_billing',
    link: 'javascript:window.__pwned=11' as unknown as null,
    ...extra,
  });

describe('Error messages and labels from providers are inert', () => {
  it('an error card shows the message as text and drops an unsafe link', async () => {
    document.title = TITLE;
    const r = renderWith(
      <TurnView turn={turn({ error: hostileError(), fallback: hostileError({ code: 'invalid_key' }) })} isLast onRetry={() => {}} onPickModel={() => {}} onEditQuestion={() => {}} onSendAnyway={() => {}} />,
    );
    const card = await screen.findByTestId('chat-error');
    expect(within(card).getByText(/The provider said: <img src=x onerror=/)).toBeInTheDocument();
    await waitFor(() => expect(r.container.querySelector('[data-testid="answer-text"] .markdown')).not.toBeNull());
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    expectInert(r.container);
  });

  it('a toast shows a hostile title and description as text', async () => {
    document.title = TITLE;
    function Push() {
      const toast = useToast();
      useEffect(() => {
        toast({
          title: 'Deleted “<img src=x onerror="window.__pwned=1">”',
          description: '<script>window.__pwned=2</script><a href="javascript:window.__pwned=3">x</a>',
          tone: 'bad',
        });
      }, [toast]);
      return null;
    }
    const r = renderWith(<Push />);
    const list = await screen.findByRole('region', { name: 'Notifications' });
    await waitFor(() => expect(list).toHaveTextContent('<script>window.__pwned=2</script>'));
    expectInert(r.container.ownerDocument.body);
  });
});
