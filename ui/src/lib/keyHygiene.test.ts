import { describe, expect, it } from 'vitest';
import {
  BASE_URL_EXAMPLES,
  DEFAULT_MODELS,
  KEY_INPUT_EXAMPLES,
  KEY_RULE_ERRORS,
  MASK_EXAMPLES,
  PARSE_RULES,
  PROVIDERS,
} from '../bindings/registry';
import { createMockApi, maskKey, MOCK_PROVIDERS } from '../ipc/mock';
import { baseUrlProblem, checkKey, KEY_RULE_MESSAGES, labelProblem, MAX_KEY_BYTES, prefixWarning, trimKey } from './keyHygiene';
import { safeExternalUrl } from './links';
import { DEFAULT_MODEL, modelsFor } from './models';

describe('key hygiene (same rules and order as the core)', () => {
  it('trims surrounding whitespace like Rust does', () => {
    expect(trimKey('  \tsk-test-1234567890abcdef \n')).toBe('sk-test-1234567890abcdef');
    expect(trimKey('\u00a0sk-x\u2003')).toBe('sk-x');
    expect(checkKey('  sk-test-1234567890abcdef\n')).toBeNull();
  });

  it.each([
    ['', 'empty'],
    ['   \n\t ', 'empty'],
    ['sk-abc\ndef', 'multi_line'],
    ['sk-abc\rdef', 'multi_line'],
    ['sk-abc\tdef', 'control_character'],
    ['sk-abc\u0000def', 'control_character'],
    ['sk-abc\u007fdef', 'control_character'],
    ['sk-abc\u0085def', 'control_character'],
    ['sk-abc\u201ddef', 'non_ascii'],
    ['sk-abc\u2014def', 'non_ascii'],
    ['Bearer sk-abcdef', 'contains_space'],
  ])('refuses %j as %s', (input, rule) => {
    expect(checkKey(input)).toBe(rule);
  });

  it('counts bytes for the 4 KiB limit', () => {
    expect(checkKey('a'.repeat(MAX_KEY_BYTES))).toBeNull();
    expect(checkKey('a'.repeat(MAX_KEY_BYTES + 1))).toBe('too_long');
    // Multi-byte characters count by their UTF-8 size, and size is checked before ASCII.
    expect(checkKey('é'.repeat(MAX_KEY_BYTES / 2 + 1))).toBe('too_long');
  });

  it('has a message for every rule that never echoes the input', () => {
    for (const message of Object.values(KEY_RULE_MESSAGES)) {
      expect(message).not.toContain('sk-');
      expect(message.length).toBeGreaterThan(20);
    }
  });

  it('warns (without refusing) about an unusual prefix', () => {
    expect(prefixWarning('gsk_1234567890', 'Groq', ['gsk_'])).toBeNull();
    expect(prefixWarning('abcdefghijkl', 'Groq', ['gsk_'])).toMatch(/usually start with "gsk_"/);
    expect(prefixWarning('abcdefghijkl', 'Mistral AI', [])).toBeNull();
  });

  it('checks labels', () => {
    expect(labelProblem('Work')).toBeNull();
    expect(labelProblem('x'.repeat(81))).toMatch(/80 characters/);
  });

  it('checks base URLs like the core', () => {
    expect(baseUrlProblem('https://api.example.com/v1')).toBeNull();
    expect(baseUrlProblem('http://127.0.0.1:11434/v1')).toBeNull();
    expect(baseUrlProblem('http://localhost:1234/v1')).toBeNull();
    expect(baseUrlProblem('http://[::1]:8080')).toBeNull();
    expect(baseUrlProblem('http://example.com/v1')).toMatch(/only allowed for this machine/);
    expect(baseUrlProblem('ftp://example.com')).toMatch(/Only https/);
    expect(baseUrlProblem('https://user:pw@example.com')).toMatch(/user name or password/);
    expect(baseUrlProblem('https://example.com/v1?key=AIza')).toMatch(/query/);
    expect(baseUrlProblem('not a url')).toMatch(/not a valid URL/);
  });
});

describe('masking: the mock against the real core', () => {
  const spec = (id: string) => MOCK_PROVIDERS.find((p) => p.id === id)!;

  it('has the core’s examples for every provider', () => {
    expect(new Set(MASK_EXAMPLES.map((e) => e.provider))).toEqual(new Set(PROVIDERS.map((p) => p.id)));
    expect(MASK_EXAMPLES.length).toBeGreaterThan(200);
  });

  it('masks every example exactly as the core’s `mask` did', () => {
    const wrong = MASK_EXAMPLES.filter((e) => maskKey(spec(e.provider), e.key) !== e.masked).map(
      (e) => `${e.provider} ${e.key}: core ${e.masked}, mock ${maskKey(spec(e.provider), e.key)}`,
    );
    expect(wrong).toEqual([]);
  });

  it.each([
    ['openai', 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123a1b2', 'sk-proj-…a1b2'],
    ['anthropic', 'sk-ant-api03-AbCdEfGhIjKlMnOpQrSt-XyZ1', 'sk-ant-api03-…XyZ1'],
    ['custom', 'my-gateway-token-0123456789', '…6789'],
    ['openai', 'sk-short', '••••••••'],
  ])('the core masked %s %s as %s', (provider, key, masked) => {
    // A few by hand, so a generator that wrote nothing (or garbage) cannot pass the test above.
    expect(MASK_EXAMPLES.find((e) => e.provider === provider && e.key === key)?.masked).toBe(masked);
  });

  it('stores the hint the core would give when a key is added', async () => {
    const api = createMockApi();
    for (const example of MASK_EXAMPLES.filter((e) => e.provider === 'openai' || e.provider === 'gemini').slice(0, 12)) {
      const saved = await api.addKey({
        provider: example.provider,
        label: null,
        baseUrl: null,
        secret: example.key,
        verify: false,
        enable: false,
      });
      expect(saved.key.masked).toBe(example.masked);
    }
  });
});

/** An input as the test's name, with every invisible or non-ASCII character spelled out. */
const shown = (input: string) =>
  JSON.stringify(input).replace(/[^\x20-\x7e]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);

describe('key input: the form’s rules against the real core', () => {
  it.each(KEY_INPUT_EXAMPLES.map((e) => [shown(e.input), e.repeat, e.rule, e]))(
    '%s ×%i: the core says %s',
    (_shown, _repeat, _rule, example) => {
      const input = example.input.repeat(example.repeat);
      expect(checkKey(input)).toBe(example.rule);
      if (example.trimmed_bytes !== null) {
        expect(new TextEncoder().encode(trimKey(input)).length).toBe(example.trimmed_bytes);
      }
    },
  );

  it('shows the core’s message for every rule', () => {
    for (const rule of PARSE_RULES) expect(KEY_RULE_MESSAGES[rule]).toBe(KEY_RULE_ERRORS[rule].message);
  });

  it('throws the core’s own error from the mock', async () => {
    const api = createMockApi();
    const form = { provider: 'openai' as const, label: null, baseUrl: null, verify: false, enable: false };
    await expect(api.addKey({ ...form, secret: 'sk-abc\ndef' })).rejects.toEqual(KEY_RULE_ERRORS.multi_line);
    await expect(api.addKey({ ...form, secret: 'Bearer sk-abc' })).rejects.toEqual(KEY_RULE_ERRORS.contains_space);
  });
});

describe('base URLs: the form’s rules against the real core', () => {
  it.each(BASE_URL_EXAMPLES.map((e) => [shown(e.input), e.code ?? 'accepted', e]))(
    '%s: the core says %s',
    (_shown, _code, example) => {
      const problem = baseUrlProblem(example.input);
      if (example.code === null) expect(problem).toBeNull();
      else expect(problem).not.toBeNull();
    },
  );
});

describe('registry', () => {
  it('is the core’s, in the mock and for the palette', async () => {
    expect(await createMockApi().listProviders()).toEqual(PROVIDERS);
    expect(DEFAULT_MODEL).toEqual(DEFAULT_MODELS);
    expect(Object.keys(DEFAULT_MODELS).sort()).toEqual(PROVIDERS.map((p) => p.id).sort());
  });
});

describe('external links', () => {
  it('allows only http, https and mailto', () => {
    expect(safeExternalUrl('https://platform.openai.com/api-keys')).toBe('https://platform.openai.com/api-keys');
    expect(safeExternalUrl('mailto:help@taskly.chat')).toBe('mailto:help@taskly.chat');
    expect(safeExternalUrl('javascript:alert(1)')).toBeNull();
    expect(safeExternalUrl('data:text/html,hi')).toBeNull();
    expect(safeExternalUrl('file:///etc/passwd')).toBeNull();
    expect(safeExternalUrl('/relative')).toBeNull();
    expect(safeExternalUrl('tauri://localhost/x')).toBeNull();
  });
});


describe('palette models', () => {
  const key = (models: string[]) =>
    ({ models }) as unknown as Parameters<typeof modelsFor>[1];
  it('offers the key’s chat models, default first', () => {
    expect(modelsFor('openai', key(['o4-mini', 'text-embedding-3-small', 'gpt-4o-mini', 'tts-1', 'gpt-4o']))).toEqual([
      'gpt-4o-mini',
      'gpt-4o',
      'o4-mini',
    ]);
  });
  it('falls back to Taskly’s list without a key or models', () => {
    expect(modelsFor('anthropic', undefined)[0]).toBe('claude-sonnet-4-5');
    expect(modelsFor('openai', key([]))).toContain('gpt-4o');
  });
});
