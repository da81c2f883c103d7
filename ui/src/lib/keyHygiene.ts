/**
 * The key input rules (the product brief's "input hygiene"), applied as the core's `ApiKey::parse`
 * (crates/taskly-core/src/secret.rs) applies them, so the form can say what is wrong before
 * anything is sent. The messages and the size limit come from the core itself
 * (`bindings/registry.ts`, generated); `keyHygiene.test.ts` checks these functions against the
 * core's verdicts on the generated examples. The core checks again on its side.
 */
import { KEY_RULE_ERRORS, type KeyRule, MAX_KEY_BYTES } from '../bindings/registry';

export { MAX_KEY_BYTES, type KeyRule };

/** The core's message for each rule (`KeyInputError`'s `Display`). */
export const KEY_RULE_MESSAGES = Object.fromEntries(
  Object.entries(KEY_RULE_ERRORS).map(([rule, error]) => [rule, error.message]),
) as Record<KeyRule, string>;

// Rust's `char::is_whitespace` (Unicode White_Space), which `str::trim` strips. JavaScript's
// `String.prototype.trim` differs slightly (it strips U+FEFF and keeps U+0085).
const WHITE_SPACE = '\\u0009-\\u000D\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const TRIM = new RegExp(`^[${WHITE_SPACE}]+|[${WHITE_SPACE}]+$`, 'g');

/** Trims surrounding whitespace exactly as the core does. */
export function trimKey(input: string): string {
  return input.replace(TRIM, '');
}

// Unicode category Cc, which is what Rust's `char::is_control` tests.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007F]/;

/** The first rule the input breaks, or `null` when the (trimmed) key may be sent. */
export function checkKey(input: string): KeyRule | null {
  const key = trimKey(input);
  if (key.length === 0) return 'empty';
  if (new TextEncoder().encode(key).length > MAX_KEY_BYTES) return 'too_long';
  if (key.includes('\n') || key.includes('\r')) return 'multi_line';
  if (CONTROL.test(key)) return 'control_character';
  if (NON_ASCII.test(key)) return 'non_ascii';
  if (key.includes(' ')) return 'contains_space';
  return null;
}

/** The message for the first broken rule, or `null`. */
export function keyProblem(input: string): string | null {
  const rule = checkKey(input);
  return rule ? KEY_RULE_MESSAGES[rule] : null;
}

/**
 * A soft warning when the key does not start with any of the provider's usual prefixes
 * (the core saves it anyway and says the same).
 */
export function prefixWarning(input: string, providerName: string, prefixes: readonly string[]): string | null {
  const key = trimKey(input);
  if (prefixes.length === 0 || key.length < 8) return null;
  if (prefixes.some((p) => key.startsWith(p))) return null;
  const list = prefixes.map((p) => `"${p}"`).join(' or ');
  return `${providerName} keys usually start with ${list}; this one does not. Check that you picked the right provider.`;
}

export const MAX_LABEL_CHARS = 80;

/** The label rules of the core's `clean_label`; `null` when fine (empty means the default label). */
export function labelProblem(label: string): string | null {
  const value = label.trim();
  if ([...value].length > MAX_LABEL_CHARS) return 'The label is longer than 80 characters.';
  if (CONTROL.test(value)) return 'The label must be a single line without control characters.';
  return null;
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The base URL rules of the core's `BaseUrl::parse`; `null` when the URL may be used. */
export function baseUrlProblem(input: string): string | null {
  const raw = input.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'This is not a valid URL. It should look like https://api.example.com/v1.';
  }
  if (!url.hostname) return 'The URL has no host.';
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) {
      return 'Plain http:// is only allowed for this machine (localhost); use https://.';
    }
  } else if (url.protocol !== 'https:') {
    return 'Only https:// (or http:// to localhost) is supported.';
  }
  if (url.username || url.password) return 'The URL must not contain a user name or password.';
  if (url.search || url.hash || raw.includes('?') || raw.includes('#')) {
    return 'The URL must not contain a query (?…) or fragment (#…).';
  }
  return null;
}

/** The host of a URL, for messages ("api.openai.com"). */
export function hostOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}
