/** The import dialog's words: tool names, where a key was found, and what happened to each find. */
import type { ErrorPayload, Find, ImportOutcome, Place, ScrubOutcome, Tool } from '../../../bindings/core';
import { errorHeadline } from '../../../lib/errorText';
import { savedSummary } from '../SaveOutcome';

const TOOLS: Record<Tool, string> = {
  environment: 'Environment',
  shell: 'Shell start-up file',
  dotenv: '.env file',
  continue: 'Continue',
  goose: 'Goose',
  aider: 'aider',
  codex: 'OpenAI Codex CLI',
  'claude-code': 'Claude Code',
  litellm: 'LiteLLM',
};

/** A tool's name as people know it (a tool this UI does not know yet is shown as sent). */
export function toolName(tool: Tool): string {
  return Object.prototype.hasOwnProperty.call(TOOLS, tool) ? TOOLS[tool] : tool;
}

/** Where one copy is: "~/.bashrc, line 12 (OPENAI_API_KEY)" or "the variable OPENAI_API_KEY". */
export function placeText(place: Place): string {
  if (place.path === null) return `the variable ${place.name}`;
  const line = place.line !== null ? `, line ${place.line}` : '';
  return `${place.path}${line} (${place.name})`;
}

/** Whether Taskly can remove at least one copy of the find (a file line it can rewrite). */
export const removable = (find: Find) => find.places.some((p) => p.cannot_remove === null && p.path !== null);

/** The copies Taskly cannot remove (environment variables, lines it cannot rewrite). */
export const unremovable = (find: Find) => find.places.filter((p) => p.cannot_remove !== null);

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export interface ResultText {
  tone: 'ok' | 'warn' | 'bad' | 'info';
  title: string;
  details: string[];
}

/** What happened to one find, in words (`keyLabel` names a vault key by id). */
export function resultText(outcome: ImportOutcome, providerName: string, keyLabel: (id: string) => string | null): ResultText {
  const r = outcome.result;
  switch (r.outcome) {
    case 'saved': {
      const summary = savedSummary(r.saved);
      const note = r.saved.key.verification_note;
      return {
        tone: summary.tone,
        title: `${summary.title} Stored as “${r.saved.key.label}”.`,
        details: [...(note && r.saved.key.verification !== 'verified' ? [note] : []), ...r.saved.warnings],
      };
    }
    case 'already-held': {
      const label = keyLabel(r.key);
      return { tone: 'info', title: label ? `Already in Taskly as “${label}”.` : 'Already in Taskly.', details: [] };
    }
    case 'failed':
      return { tone: 'bad', title: `${errorHeadline(r.error, providerName, 'save')}.`, details: [r.error.message] };
  }
}

/** The failed finds a "save without checking" could still store (the provider could not be reached). */
export const retryableWithoutChecking = (outcomes: ImportOutcome[]) =>
  outcomes.filter((o) => o.result.outcome === 'failed' && o.result.error.action === 'retry_or_save_without_checking').map((o) => o.find);

/** The finds now in the credential store (saved, or already there). */
export const movedIds = (outcomes: ImportOutcome[]) =>
  outcomes.filter((o) => o.result.outcome !== 'failed').map((o) => o.find);

/** One scrub outcome in words. */
export function scrubText(outcome: ScrubOutcome): { ok: boolean; text: string } {
  return outcome.outcome === 'rewritten'
    ? { ok: true, text: `${outcome.path}: ${plural(outcome.lines, 'line')} rewritten. The key is no longer in this file.` }
    : { ok: false, text: `${outcome.path} was not touched: ${outcome.reason}.` };
}

/** An error of a whole step (the scan, the import call), headline and message. */
export function stepError(error: ErrorPayload): { title: string; message: string } {
  return { title: errorHeadline(error, 'the provider', 'save'), message: error.message };
}
