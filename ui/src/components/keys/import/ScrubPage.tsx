/**
 * Removing the plaintext copies: which keys, how (comment out or remove the line), the exact
 * lines that would change file by file (and the files refused, with why), then "Rewrite N files"
 * and what happened.
 */
import { useId } from 'react';
import type { FilePlan, ScrubMode } from '../../../bindings/core';
import { useData } from '../../../state/data';
import { CheckIcon, Spinner, WarningIcon } from '../../Icons';
import { placeText, plural, scrubText, stepError } from './importText';
import { Unremovable } from './Unremovable';
import type { ImportFlow } from './useImportFlow';

const MODES: { value: ScrubMode; label: string; hint: string }[] = [
  { value: 'comment', label: 'Comment out the line', hint: 'The line becomes a comment saying the key moved to the credential store.' },
  { value: 'remove', label: 'Remove the line', hint: 'The line is deleted. Needed for JSON files, which have no comments.' },
];

function PlanList({ plans }: { plans: FilePlan[] }) {
  return (
    <ul className="plan-list" aria-label="What changes, file by file" data-testid="scrub-preview">
      {plans.map((p) => (
        <li key={p.path} className={`plan${p.refused ? ' plan-refused' : ''}`} data-testid="file-plan">
          <p className="plan-path">
            <code className="mono-small">{p.path}</code>
            {p.refused ? <span className="badge badge-warn">Will not be touched</span> : null}
          </p>
          {p.refused ? (
            <p className="plan-reason">
              <WarningIcon size={14} /> {p.refused}
            </p>
          ) : (
            <ol className="plan-changes">
              {p.changes.map((c) => (
                <li key={c.line}>
                  <span className="plan-line">Line {c.line}</span>
                  <code className="plan-before">
                    <span className="sr-only">Now: </span>
                    {c.before}
                  </code>
                  <span className="plan-arrow" aria-hidden="true">
                    →
                  </span>
                  {c.after === null ? (
                    <span className="plan-removed">removed</span>
                  ) : (
                    <code className="plan-after">
                      <span className="sr-only">Becomes: </span>
                      {c.after}
                    </code>
                  )}
                </li>
              ))}
            </ol>
          )}
        </li>
      ))}
    </ul>
  );
}

export function ScrubPage({ flow, headingRef, onDone }: { flow: ImportFlow; headingRef: React.RefObject<HTMLHeadingElement | null>; onDone(): void }) {
  const { providers } = useData();
  const uid = useId();
  const name = (id: string) => providers.find((p) => p.id === id)?.name ?? id;
  const phase = flow.scrubPhase;
  const working = phase === 'previewing' || phase === 'applying';
  const writable = flow.plans.filter((p) => p.refused === null && p.changes.length > 0);
  const picked = flow.cleanable.filter((f) => flow.scrubPicked.has(f.id));
  const error = flow.error ? stepError(flow.error) : null;

  if (phase === 'done') {
    const rewritten = flow.scrubOutcomes.filter((o) => o.outcome === 'rewritten').length;
    return (
      <section className="import-page" aria-labelledby={`${uid}-h`}>
        <h3 className="section-title" id={`${uid}-h`} ref={headingRef} tabIndex={-1}>
          {rewritten > 0 ? `Rewrote ${plural(rewritten, 'file')}` : 'No file was rewritten'}
        </h3>
        <ul className="find-list" aria-label="What happened to each file" data-testid="scrub-outcomes">
          {flow.scrubOutcomes.map((o) => {
            const t = scrubText(o);
            return (
              <li key={o.path} className={`find import-result tone-${t.ok ? 'ok' : 'warn'}`} data-testid="scrub-outcome" data-outcome={o.outcome}>
                <p className="find-title">
                  {t.ok ? <CheckIcon size={15} /> : <WarningIcon size={15} />}
                  <span>{t.text}</span>
                </p>
              </li>
            );
          })}
        </ul>
        <Unremovable finds={flow.moved} providerName={name} />
        <div className="import-actions import-actions-end">
          <div className="button-row">
            <button type="button" className="button" onClick={flow.backToList}>
              Back to the list
            </button>
            <button type="button" className="button button-primary" onClick={onDone}>
              Done
            </button>
          </div>
        </div>
      </section>
    );
  }

  return (
    <section className="import-page" aria-labelledby={`${uid}-h`}>
      <h3 className="section-title" id={`${uid}-h`} ref={headingRef} tabIndex={-1}>
        Remove the plaintext copies
      </h3>
      <fieldset className="import-fieldset" disabled={working}>
        <legend>Keys now in the credential store</legend>
        <ul className="find-list">
          {flow.cleanable.map((f) => (
            <li key={f.id} className="find">
              <div className="find-head">
                <input
                  type="checkbox"
                  id={`${uid}-${f.id}`}
                  checked={flow.scrubPicked.has(f.id)}
                  onChange={(e) => flow.toggleScrub(f.id, e.target.checked)}
                  aria-describedby={`${uid}-${f.id}-where`}
                />
                <label className="find-title" htmlFor={`${uid}-${f.id}`}>
                  <span className="find-provider">{name(f.provider)}</span> <code className="masked-inline">{f.masked}</code>
                </label>
              </div>
              <p className="find-places" id={`${uid}-${f.id}-where`}>
                {f.places
                  .filter((p) => p.cannot_remove === null && p.path !== null)
                  .map(placeText)
                  .join('; ')}
              </p>
            </li>
          ))}
        </ul>
      </fieldset>
      <fieldset className="import-fieldset" disabled={working}>
        <legend>How</legend>
        {MODES.map((m) => (
          <div className="checkbox-field" key={m.value}>
            <input
              type="radio"
              name={`${uid}-mode`}
              id={`${uid}-mode-${m.value}`}
              value={m.value}
              checked={flow.mode === m.value}
              onChange={() => flow.setMode(m.value)}
              aria-describedby={`${uid}-mode-${m.value}-hint`}
            />
            <div>
              <label htmlFor={`${uid}-mode-${m.value}`}>{m.label}</label>
              <p className="field-hint" id={`${uid}-mode-${m.value}-hint`}>
                {m.hint}
              </p>
            </div>
          </div>
        ))}
      </fieldset>
      <Unremovable finds={flow.moved} providerName={name} />
      {phase === 'preview' || phase === 'applying' ? <PlanList plans={flow.plans} /> : null}
      {error ? (
        <div className="outcome outcome-bad" role="alert">
          <p className="outcome-title">{error.title}</p>
          <p>{error.message}</p>
        </div>
      ) : null}
      <div className="import-actions import-actions-end">
        <p className="field-hint">
          {phase === 'preview' || phase === 'applying'
            ? writable.length > 0
              ? 'Each file is rewritten whole or not at all, keeping its permissions; no backup holding the key is left. A file that changed since the scan is left alone.'
              : 'None of these files can be rewritten by Taskly; edit them by hand.'
            : 'Nothing is written until you have seen the changes and confirmed them.'}
        </p>
        <div className="button-row">
          <button type="button" className="button" onClick={flow.backToList} disabled={working}>
            Back to the list
          </button>
          {phase === 'preview' || phase === 'applying' ? (
            <button
              type="button"
              className="button button-primary"
              aria-disabled={working || writable.length === 0}
              onClick={() => {
                if (!working && writable.length > 0) void flow.apply();
              }}
            >
              {phase === 'applying' ? <Spinner /> : null}
              {phase === 'applying' ? 'Rewriting…' : `Rewrite ${plural(writable.length, 'file')}`}
            </button>
          ) : (
            <button
              type="button"
              className="button button-primary"
              aria-disabled={working || picked.length === 0}
              onClick={() => {
                if (!working && picked.length > 0) void flow.preview();
              }}
            >
              {phase === 'previewing' ? <Spinner /> : null}
              {phase === 'previewing' ? 'Working out the changes…' : 'Show the changes'}
            </button>
          )}
        </div>
      </div>
    </section>
  );
}
