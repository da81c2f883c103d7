/** What happened to each picked find, and the way on to removing the plaintext copies. */
import { useId } from 'react';
import { useData } from '../../../state/data';
import { CheckIcon, InfoIcon, WarningIcon } from '../../Icons';
import { plural, resultText, retryableWithoutChecking, stepError } from './importText';
import { Unremovable } from './Unremovable';
import type { ImportFlow } from './useImportFlow';

export function ResultsPage({ flow, headingRef, onDone }: { flow: ImportFlow; headingRef: React.RefObject<HTMLHeadingElement | null>; onDone(): void }) {
  const { providers, keys } = useData();
  const uid = useId();
  const finds = flow.report?.finds ?? [];
  const name = (id: string) => providers.find((p) => p.id === id)?.name ?? id;
  const label = (id: string) => keys.find((k) => k.id === id)?.label ?? null;
  const saved = flow.outcomes.filter((o) => o.result.outcome === 'saved').length;
  const retry = retryableWithoutChecking(flow.outcomes);
  const error = flow.error ? stepError(flow.error) : null;

  return (
    <section className="import-page" aria-labelledby={`${uid}-h`}>
      <h3 className="section-title" id={`${uid}-h`} ref={headingRef} tabIndex={-1}>
        {saved > 0 ? `Imported ${plural(saved, 'key')}` : 'Nothing new was imported'}
      </h3>
      <ul className="find-list" aria-label="What happened to each key" data-testid="import-results">
        {flow.outcomes.map((o) => {
          const find = finds.find((f) => f.id === o.find);
          const provider = find ? name(find.provider) : 'The provider';
          const t = resultText(o, provider, label);
          return (
            <li key={o.find} className={`find import-result tone-${t.tone}`} data-testid="import-result" data-outcome={o.result.outcome}>
              <p className="find-title">
                {t.tone === 'ok' ? <CheckIcon size={15} /> : t.tone === 'bad' ? <WarningIcon size={15} /> : <InfoIcon size={15} />}
                <span className="find-provider">{provider}</span> {find ? <code className="masked-inline">{find.masked}</code> : null}
              </p>
              <p>{t.title}</p>
              {t.details.length > 0 ? (
                <ul className="outcome-warnings">
                  {t.details.map((d) => (
                    <li key={d}>{d}</li>
                  ))}
                </ul>
              ) : null}
            </li>
          );
        })}
      </ul>
      {error ? (
        <div className="outcome outcome-bad" role="alert">
          <p className="outcome-title">{error.title}</p>
          <p>{error.message}</p>
        </div>
      ) : null}
      {retry.length > 0 ? (
        <div className="button-row">
          <button type="button" className="button" onClick={() => void flow.importWithoutChecking(retry)}>
            Save {retry.length === 1 ? 'it' : `these ${retry.length}`} without checking
          </button>
        </div>
      ) : null}
      {flow.cleanable.length > 0 ? (
        <div className="import-next">
          <h4>The plaintext copies are still on this computer</h4>
          <p>
            Now that {flow.cleanable.length === 1 ? 'the key is' : 'the keys are'} in the credential store, Taskly can comment
            out or remove the lines that hold {flow.cleanable.length === 1 ? 'it' : 'them'}. You see exactly which lines change
            before anything is written.
          </p>
        </div>
      ) : null}
      <Unremovable finds={flow.moved} providerName={name} />
      <div className="import-actions import-actions-end">
        <div className="button-row">
          <button type="button" className="button" onClick={flow.backToList}>
            Back to the list
          </button>
          {flow.cleanable.length > 0 ? (
            <button type="button" className="button button-primary" onClick={flow.startScrub}>
              Remove the plaintext copies…
            </button>
          ) : (
            <button type="button" className="button button-primary" onClick={onDone}>
              Done
            </button>
          )}
        </div>
      </div>
    </section>
  );
}
