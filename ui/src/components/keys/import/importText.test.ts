import { describe, expect, it } from 'vitest';
import type { Place } from '../../../bindings/core';
import { errorPayload } from '../../../ipc/errors';
import { placeText, resultText, scrubText, toolName } from './importText';

const place = (extra: Partial<Place>): Place => ({ tool: 'shell', path: '~/.bashrc', line: 12, name: 'OPENAI_API_KEY', cannot_remove: null, ...extra });

describe('the import dialog’s words', () => {
  it('names the place of a copy: file and line, or the variable', () => {
    expect(placeText(place({}))).toBe('~/.bashrc, line 12 (OPENAI_API_KEY)');
    expect(placeText(place({ tool: 'environment', path: null, line: null }))).toBe('the variable OPENAI_API_KEY');
    expect(toolName('claude-code')).toBe('Claude Code');
    expect(toolName('someday' as Place['tool'])).toBe('someday');
  });

  it('words each import result and each scrub outcome', () => {
    const failed = resultText({ find: 'f_1', result: { outcome: 'failed', error: errorPayload('invalid_key', 'Refused.') } }, 'OpenAI', () => null);
    expect(failed).toEqual({ tone: 'bad', title: 'OpenAI refused this key.', details: ['Refused.'] });
    expect(resultText({ find: 'f_1', result: { outcome: 'already-held', key: 'k_1' } }, 'OpenAI', () => 'Work').title).toBe('Already in Taskly as “Work”.');
    expect(scrubText({ outcome: 'rewritten', path: '~/.bashrc', lines: 1 }).text).toBe('~/.bashrc: 1 line rewritten. The key is no longer in this file.');
    expect(scrubText({ outcome: 'not-touched', path: '~/.bashrc', reason: 'it changed since the scan' }).text).toBe('~/.bashrc was not touched: it changed since the scan.');
  });
});
