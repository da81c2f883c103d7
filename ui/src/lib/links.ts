/** Which links may be opened: only http, https and mailto, always in the system browser. */

const ALLOWED = new Set(['http:', 'https:', 'mailto:']);

/** The URL when it is safe to hand to `open_external`, otherwise `null`. */
export function safeExternalUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  const raw = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return null;
  }
  if (!ALLOWED.has(parsed.protocol)) return null;
  if (parsed.protocol !== 'mailto:' && !parsed.hostname) return null;
  return parsed.href;
}
