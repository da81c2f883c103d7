/**
 * The mock's "keys out of plaintext" commands: scan the mock computer (`machine.ts`), import the
 * picked finds through the same path as a typed key (`storeNewKey`), preview and apply the removal
 * of plaintext copies by the core's rules (only keys the vault holds; JSON has no comments; an
 * environment variable cannot be removed), and forget the scan. Also the clipboard offer after a
 * key was saved: the mock's clipboard "holds" the key just added or replaced for 60 s.
 */
import type { FilePlan, ImportOutcome, ScrubMode, ScrubOutcome } from '../../bindings/core';
import type { TasklyApi } from '../commands';
import { errorPayload, toErrorPayload } from '../errors';
import { storeNewKey } from './keys';
import { livePlaces, maskOf, rewriteLine, scanMachine, type MachineFind, type MachinePlace, type Scanned } from './machine';
import type { MockState } from './state';

type ImportCommands = Pick<
  TasklyApi,
  'importScan' | 'importKeys' | 'scrubPreview' | 'scrubApply' | 'importForget' | 'clipboardOffer' | 'clipboardClear'
>;

/** How long the shell waits before it clears the clipboard by itself. */
export const CLIPBOARD_CLEAR_SECS = 60;

const NOT_HELD = 'the key is not in the credential store yet: import it first, then remove this copy';

function notFound(id: string) {
  return errorPayload(
    'import_not_found',
    `No key with id ${id} was found by this scan. Scan again to see the ids (they name the file and setting a key was found in).`,
    { action: 'fix_input' },
  );
}

interface Target {
  path: string;
  places: MachinePlace[];
  notHeld: boolean;
}

export function importCommands(state: MockState): ImportCommands {
  /** The vault key that is the same secret as `find` (the mock compares provider and masked hint). */
  const heldId = (find: MachineFind) =>
    state.keys.find((k) => k.info.provider === find.provider && k.info.masked === maskOf(find))?.info.id ?? null;

  const scan = (): Scanned => {
    state.lastScan = scanMachine(state.machine, heldId);
    return state.lastScan;
  };

  const lastScan = (ids: string[]): Scanned => {
    const scanned = state.lastScan;
    const unknown = ids.find((id) => !scanned?.byId.has(id));
    if (!scanned || unknown !== undefined) throw notFound(unknown ?? ids[0] ?? '');
    return scanned;
  };

  /** Each file holding a chosen find, in the order of the finds (as `scrub_targets`). */
  const targets = (ids: string[]): Target[] => {
    const scanned = lastScan(ids);
    const out: Target[] = [];
    for (const id of new Set(ids)) {
      const find = scanned.byId.get(id);
      if (!find) continue;
      const held = heldId(find) !== null;
      for (const place of livePlaces(find)) {
        if (place.tool === 'environment' || !place.path) continue;
        let target = out.find((t) => t.path === place.path);
        if (!target) {
          target = { path: place.path, places: [], notHeld: false };
          out.push(target);
        }
        target.notHeld ||= !held;
        target.places.push(place);
      }
    }
    return out;
  };

  const plan = (target: Target, mode: ScrubMode): FilePlan => {
    if (target.notHeld) return { path: target.path, changes: [], refused: NOT_HELD };
    const changes: FilePlan['changes'] = [];
    for (const place of target.places) {
      const line = rewriteLine(place, mode);
      if ('refused' in line) return { path: target.path, changes: [], refused: line.refused };
      changes.push({ line: place.line ?? 0, before: place.text ?? '', after: line.after });
    }
    return { path: target.path, changes, refused: null };
  };

  return {
    async importScan() {
      state.record('import_scan', {});
      await state.wait(state.validationMs);
      return structuredClone(scan().report);
    },

    async importKeys(ids: string[], verify: boolean): Promise<ImportOutcome[]> {
      state.record('import_keys', { ids, verify });
      const scanned = lastScan(ids);
      await state.wait();
      const outcomes: ImportOutcome[] = [];
      for (const id of new Set(ids)) {
        const find = scanned.byId.get(id);
        if (!find) continue;
        const held = heldId(find);
        if (held) {
          outcomes.push({ find: id, result: { outcome: 'already-held', key: held } });
          continue;
        }
        const first = livePlaces(find)[0];
        try {
          const saved = await storeNewKey(state, {
            provider: find.provider,
            label: `From ${first?.path ?? 'the environment'}`,
            baseUrl: find.base_url,
            secret: find.secret,
            verify,
            // The core's `Enable::IfNoneEnabled`.
            enable: !state.keys.some((k) => k.info.provider === find.provider && k.info.enabled),
          });
          outcomes.push({ find: id, result: { outcome: 'saved', saved } });
        } catch (e) {
          outcomes.push({ find: id, result: { outcome: 'failed', error: toErrorPayload(e) } });
        }
      }
      return outcomes;
    },

    async scrubPreview(ids: string[], mode: ScrubMode) {
      state.record('scrub_preview', { ids, mode });
      await state.wait();
      return targets(ids).map((t) => plan(t, mode));
    },

    async scrubApply(ids: string[], mode: ScrubMode): Promise<ScrubOutcome[]> {
      state.record('scrub_apply', { ids, mode });
      await state.wait();
      const outcomes = targets(ids).map((t): ScrubOutcome => {
        const p = plan(t, mode);
        if (p.refused !== null) return { outcome: 'not-touched', path: t.path, reason: p.refused };
        for (const place of t.places) place.gone = true;
        return { outcome: 'rewritten', path: t.path, lines: p.changes.length };
      });
      // As the shell: the files changed, so the scan is taken again.
      scan();
      return outcomes;
    },

    async importForget() {
      state.record('import_forget', {});
      state.lastScan = null;
    },

    async clipboardOffer() {
      state.record('clipboard_offer', {});
      await state.wait();
      const since = state.clipboard.holdsSince;
      const left = since === null ? 0 : CLIPBOARD_CLEAR_SECS - Math.floor((Date.now() - since) / 1000);
      if (left <= 0) state.clipboard.holdsSince = null;
      return left > 0 ? { holds_key: true, clears_in_secs: left } : { holds_key: false, clears_in_secs: null };
    },

    async clipboardClear() {
      state.record('clipboard_clear', {});
      await state.wait();
      const since = state.clipboard.holdsSince;
      state.clipboard.holdsSince = null;
      return since !== null && Date.now() - since < CLIPBOARD_CLEAR_SECS * 1000;
    },
  };
}
