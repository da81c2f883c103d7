/**
 * The import dialog's steps: scan (read-only), pick and import, then remove the plaintext copies
 * (choose how, see exactly which lines change, confirm). The shell keeps the scan's secrets until
 * `import_forget`; this holds only the masked report and the outcomes.
 */
import { useCallback, useMemo, useState } from 'react';
import type { ErrorPayload, FilePlan, Find, ImportOutcome, ScanReport, ScrubMode, ScrubOutcome } from '../../../bindings/core';
import { toErrorPayload } from '../../../ipc/errors';
import { useData } from '../../../state/data';
import { movedIds, removable } from './importText';

export type Page = 'scanning' | 'scan-failed' | 'review' | 'importing' | 'results' | 'scrub';

export type ScrubPhase = 'choose' | 'previewing' | 'preview' | 'applying' | 'done';

export interface ImportFlow {
  page: Page;
  report: ScanReport | null;
  error: ErrorPayload | null;
  selected: ReadonlySet<string>;
  toggle(id: string, on: boolean): void;
  saveWithoutChecking: boolean;
  setSaveWithoutChecking(on: boolean): void;
  outcomes: ImportOutcome[];
  /** The first scan (the dialog opens on the scanning page). */
  load(): Promise<void>;
  scan(): Promise<void>;
  importSelected(): Promise<void>;
  /** Tries the finds whose provider could not be reached again, saved without checking. */
  importWithoutChecking(ids: string[]): Promise<void>;
  /** The finds in the credential store (imported now, or already held) with a copy Taskly can remove. */
  cleanable: Find[];
  /** The finds in the credential store, for the copies Taskly cannot remove. */
  moved: Find[];
  scrubPicked: ReadonlySet<string>;
  toggleScrub(id: string, on: boolean): void;
  mode: ScrubMode;
  setMode(mode: ScrubMode): void;
  scrubPhase: ScrubPhase;
  plans: FilePlan[];
  scrubOutcomes: ScrubOutcome[];
  startScrub(): void;
  preview(): Promise<void>;
  apply(): Promise<void>;
  backToList(): void;
  /** Whether closing now would cut a call short. */
  busy: boolean;
}

export function useImportFlow(): ImportFlow {
  const { api, applySaved } = useData();
  const [page, setPage] = useState<Page>('scanning');
  const [report, setReport] = useState<ScanReport | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [saveWithoutChecking, setSaveWithoutChecking] = useState(false);
  const [outcomes, setOutcomes] = useState<ImportOutcome[]>([]);
  const [scrubPicked, setScrubPicked] = useState<Set<string>>(new Set());
  const [mode, setModeState] = useState<ScrubMode>('comment');
  const [scrubPhase, setScrubPhase] = useState<ScrubPhase>('choose');
  const [plans, setPlans] = useState<FilePlan[]>([]);
  const [scrubOutcomes, setScrubOutcomes] = useState<ScrubOutcome[]>([]);

  const accept = useCallback((next: ScanReport) => {
    setReport(next);
    // Everything Taskly does not hold yet is picked; the person unticks what they do not want.
    setSelected(new Set(next.finds.filter((f) => f.already_held === null).map((f) => f.id)));
  }, []);

  /** The first scan, when the dialog opens (its page is already "scanning"). */
  const load = useCallback(async () => {
    try {
      accept(await api.importScan());
      setOutcomes([]);
      setPage('review');
    } catch (e) {
      setError(toErrorPayload(e));
      setPage('scan-failed');
    }
  }, [api, accept]);

  const scan = useCallback(() => {
    setPage('scanning');
    setError(null);
    return load();
  }, [load]);

  const toggle = useCallback((id: string, on: boolean) => {
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);

  const run = useCallback(
    async (ids: string[], verify: boolean, keep: ImportOutcome[]) => {
      setPage('importing');
      setError(null);
      try {
        const got = await api.importKeys(ids, verify);
        // Into the key list as the add form puts a saved key there.
        for (const o of got) if (o.result.outcome === 'saved') applySaved(o.result.saved);
        const merged = [...keep.filter((o) => !got.some((g) => g.find === o.find)), ...got];
        setOutcomes(merged);
        setPage('results');
      } catch (e) {
        setError(toErrorPayload(e));
        setPage(keep.length > 0 ? 'results' : 'review');
      }
    },
    [api, applySaved],
  );

  const finds = useMemo(() => report?.finds ?? [], [report]);
  const importSelected = useCallback(
    () => run(finds.filter((f) => selected.has(f.id) && f.already_held === null).map((f) => f.id), !saveWithoutChecking, []),
    [run, finds, selected, saveWithoutChecking],
  );
  const importWithoutChecking = useCallback((ids: string[]) => run(ids, false, outcomes), [run, outcomes]);

  const moved = useMemo(() => {
    const ids = new Set(movedIds(outcomes));
    return finds.filter((f) => f.already_held !== null || ids.has(f.id));
  }, [finds, outcomes]);
  const cleanable = useMemo(() => moved.filter(removable), [moved]);

  const toggleScrub = useCallback((id: string, on: boolean) => {
    setScrubPicked((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
    setScrubPhase('choose');
  }, []);

  const setMode = useCallback((m: ScrubMode) => {
    setModeState(m);
    // A preview is of one mode: choosing again asks for a new one.
    setScrubPhase('choose');
  }, []);

  const startScrub = useCallback(() => {
    setScrubPicked(new Set(cleanable.map((f) => f.id)));
    setScrubPhase('choose');
    setPlans([]);
    setScrubOutcomes([]);
    setError(null);
    setPage('scrub');
  }, [cleanable]);

  const pickedIds = useMemo(() => cleanable.filter((f) => scrubPicked.has(f.id)).map((f) => f.id), [cleanable, scrubPicked]);

  const preview = useCallback(async () => {
    setScrubPhase('previewing');
    setError(null);
    try {
      setPlans(await api.scrubPreview(pickedIds, mode));
      setScrubPhase('preview');
    } catch (e) {
      setError(toErrorPayload(e));
      setScrubPhase('choose');
    }
  }, [api, pickedIds, mode]);

  const apply = useCallback(async () => {
    setScrubPhase('applying');
    setError(null);
    try {
      setScrubOutcomes(await api.scrubApply(pickedIds, mode));
      setScrubPhase('done');
    } catch (e) {
      setError(toErrorPayload(e));
      setScrubPhase('preview');
      return;
    }
    // The shell scanned again after rewriting: fetch the list as it is now.
    try {
      accept(await api.importScan());
    } catch {
      // The outcomes stand; "Scan again" can still refresh the list.
    }
  }, [api, pickedIds, mode, accept]);

  const backToList = useCallback(() => {
    setOutcomes([]);
    setError(null);
    setPage('review');
  }, []);

  const busy = page === 'importing' || scrubPhase === 'applying';

  return {
    page,
    report,
    error,
    selected,
    toggle,
    saveWithoutChecking,
    setSaveWithoutChecking,
    outcomes,
    load,
    scan,
    importSelected,
    importWithoutChecking,
    cleanable,
    moved,
    scrubPicked,
    toggleScrub,
    mode,
    setMode,
    scrubPhase,
    plans,
    scrubOutcomes,
    startScrub,
    preview,
    apply,
    backToList,
    busy,
  };
}
