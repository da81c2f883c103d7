/** The scan's finds to pick from, "Save without checking" and "Import N keys"; an empty state that says where it looked. */
import { useId } from 'react';
import type { ImportFlow } from './useImportFlow';
import { FindItem } from './FindItem';
import { plural, stepError } from './importText';
import { ScanDetails } from './ScanDetails';
import { useData } from '../../../state/data';

export function ReviewPage({ flow, headingRef }: { flow: ImportFlow; headingRef: React.RefObject<HTMLHeadingElement | null> }) {
  const { providers } = useData();
  const uid = useId();
  const report = flow.report;
  if (!report) return null;
  const finds = report.finds;
  const picked = finds.filter((f) => f.already_held === null && flow.selected.has(f.id));
  const held = finds.filter((f) => f.already_held !== null);
  const name = (id: string) => providers.find((p) => p.id === id)?.name ?? id;
  const importing = flow.page === 'importing';

  if (finds.length === 0) {
    return (
      <section className="import-page" aria-labelledby={`${uid}-h`} data-testid="import-empty">
        <h3 className="section-title" id={`${uid}-h`} ref={headingRef} tabIndex={-1}>
          No keys found on this computer
        </h3>
        <p>
          Taskly looked in {plural(report.looked_in.length, 'place')}: your shell start-up files, .env files, the settings
          files of Continue, Goose, aider, the Codex CLI, Claude Code and LiteLLM, and this session&apos;s environment
          variables. None of them holds a key it recognises.
        </p>
        <ScanDetails report={report} />
      </section>
    );
  }

  const error = flow.error ? stepError(flow.error) : null;
  return (
    <section className="import-page" aria-labelledby={`${uid}-h`}>
      <h3 className="section-title" id={`${uid}-h`} ref={headingRef} tabIndex={-1}>
        Found {plural(finds.length, 'key')}
        {held.length > 0 ? <span className="count"> ({held.length} already in Taskly)</span> : null}
      </h3>
      <p className="muted">
        Shown masked. Pick the keys to move into your system&apos;s credential store; each is checked with its provider
        first, like a key you type. Nothing is changed on this computer until you ask for it.
      </p>
      <ul className="find-list" aria-label="Keys found">
        {finds.map((f) => (
          <FindItem
            key={f.id}
            find={f}
            providerName={name(f.provider)}
            checked={flow.selected.has(f.id)}
            disabled={importing}
            onChange={(on) => flow.toggle(f.id, on)}
          />
        ))}
      </ul>
      <ScanDetails report={report} />
      {error ? (
        <div className="outcome outcome-bad" role="alert">
          <p className="outcome-title">{error.title}</p>
          <p>{error.message}</p>
        </div>
      ) : null}
      <div className="import-actions">
        <div className="checkbox-field">
          <input
            type="checkbox"
            id={`${uid}-unchecked`}
            checked={flow.saveWithoutChecking}
            onChange={(e) => flow.setSaveWithoutChecking(e.target.checked)}
            disabled={importing}
            aria-describedby={`${uid}-unchecked-hint`}
          />
          <div>
            <label htmlFor={`${uid}-unchecked`}>Save without checking</label>
            <p className="field-hint" id={`${uid}-unchecked-hint`}>
              Stores the keys without asking their providers first; each is checked the first time it is used.
            </p>
          </div>
        </div>
        <div className="button-row">
          {flow.cleanable.length > 0 && picked.length === 0 ? (
            <button type="button" className="button" onClick={flow.startScrub} disabled={importing}>
              Remove the plaintext copies…
            </button>
          ) : null}
          <button
            type="button"
            className="button button-primary"
            aria-disabled={importing || picked.length === 0}
            onClick={() => {
              if (!importing && picked.length > 0) void flow.importSelected();
            }}
          >
            {importing ? (flow.saveWithoutChecking ? 'Saving…' : 'Checking…') : `Import ${plural(picked.length, 'key')}`}
          </button>
        </div>
      </div>
    </section>
  );
}
