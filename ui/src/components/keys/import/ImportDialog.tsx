/**
 * "Import keys from this computer": a dialog over Settings that scans read-only, lets the person
 * pick keys to move into the credential store, then offers to remove the plaintext copies. The
 * flow starts afresh each time it opens; closing it tells the shell to forget the scan's secrets.
 * Esc closes it, except while keys are being stored or files rewritten.
 */
import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useRef } from 'react';
import { useData } from '../../../state/data';
import { CloseIcon, Spinner } from '../../Icons';
import { plural, stepError } from './importText';
import { ResultsPage } from './ResultsPage';
import { ReviewPage } from './ReviewPage';
import { ScrubPage } from './ScrubPage';
import { useImportFlow, type ImportFlow } from './useImportFlow';
import '../../../styles/import.css';

interface Props {
  open: boolean;
  onOpenChange(open: boolean): void;
  /** Where the keyboard focus goes back to when the dialog closes. */
  onCloseAutoFocus(event: Event): void;
}

export function ImportDialog({ open, onOpenChange, onCloseAutoFocus }: Props) {
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay overlay-top" />
        {open ? <ImportContent onClose={() => onOpenChange(false)} onCloseAutoFocus={onCloseAutoFocus} /> : null}
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** What a screen reader hears as the flow moves on. */
function progress(flow: ImportFlow): string {
  const n = flow.report?.finds.length ?? 0;
  switch (flow.page) {
    case 'scanning':
      return 'Looking for keys on this computer…';
    case 'scan-failed':
      return 'The scan failed.';
    case 'review':
      return n === 0 ? 'No keys found.' : `Found ${plural(n, 'key')}.`;
    case 'importing':
      return flow.saveWithoutChecking ? 'Saving the keys…' : 'Checking the keys with their providers…';
    case 'results': {
      const saved = flow.outcomes.filter((o) => o.result.outcome === 'saved').length;
      const failed = flow.outcomes.filter((o) => o.result.outcome === 'failed').length;
      return `Imported ${plural(saved, 'key')}${failed ? `, ${failed} not imported` : ''}.`;
    }
    case 'scrub':
      switch (flow.scrubPhase) {
        case 'previewing':
          return 'Working out the changes…';
        case 'preview':
          return `${plural(flow.plans.filter((p) => p.refused === null).length, 'file')} would change.`;
        case 'applying':
          return 'Rewriting the files…';
        case 'done':
          return `Rewrote ${plural(flow.scrubOutcomes.filter((o) => o.outcome === 'rewritten').length, 'file')}.`;
        default:
          return '';
      }
  }
}

function ImportContent({ onClose, onCloseAutoFocus }: { onClose(): void; onCloseAutoFocus(event: Event): void }) {
  const { api } = useData();
  const flow = useImportFlow();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const { load } = flow;

  useEffect(() => {
    void load();
    // However the dialog goes away, the shell drops the scan's secrets.
    return () => {
      void api.importForget().catch(() => {});
    };
  }, [api, load]);

  // Each new step starts at its heading, so the keyboard and screen readers start there too.
  const step = flow.page === 'importing' ? 'review' : flow.page === 'scrub' ? `scrub-${flow.scrubPhase === 'done' ? 'done' : 'open'}` : flow.page;
  useEffect(() => {
    headingRef.current?.focus();
  }, [step]);

  const guard = (e: Event) => {
    if (flow.busy) e.preventDefault();
  };

  return (
    <Dialog.Content
      className="dialog import-dialog"
      data-testid="import-dialog"
      aria-describedby={undefined}
      onOpenAutoFocus={(e) => {
        e.preventDefault();
        headingRef.current?.focus();
      }}
      onCloseAutoFocus={onCloseAutoFocus}
      onEscapeKeyDown={guard}
      onInteractOutside={guard}
    >
      <header className="dialog-header">
        <Dialog.Title className="dialog-title">Import keys from this computer</Dialog.Title>
        <Dialog.Close className="icon-button" aria-label="Close import" disabled={flow.busy}>
          <CloseIcon />
        </Dialog.Close>
      </header>
      <div className="dialog-body">
        {flow.page === 'scanning' ? (
          <section className="import-page import-scanning" aria-busy="true">
            <h3 className="section-title" ref={headingRef} tabIndex={-1}>
              <Spinner /> Looking for keys…
            </h3>
            <p>
              Reading, without changing anything, your shell start-up files, .env files, other AI tools&apos; settings files and
              this session&apos;s environment variables. Files over 1 MiB and symbolic links are passed over.
            </p>
          </section>
        ) : flow.page === 'scan-failed' ? (
          <section className="import-page">
            <h3 className="section-title" ref={headingRef} tabIndex={-1}>
              The scan did not finish
            </h3>
            {flow.error ? (
              <div className="outcome outcome-bad" role="alert">
                <p className="outcome-title">{stepError(flow.error).title}</p>
                <p>{flow.error.message}</p>
              </div>
            ) : null}
            <div className="button-row">
              <button type="button" className="button button-primary" onClick={() => void flow.scan()}>
                Scan again
              </button>
            </div>
          </section>
        ) : flow.page === 'review' || flow.page === 'importing' ? (
          <ReviewPage flow={flow} headingRef={headingRef} />
        ) : flow.page === 'results' ? (
          <ResultsPage flow={flow} headingRef={headingRef} onDone={onClose} />
        ) : (
          <ScrubPage flow={flow} headingRef={headingRef} onDone={onClose} />
        )}
      </div>
      <footer className="dialog-footer">
        <span>The keys stay on this computer: in its files until you move them, then in its credential store.</span>
        {flow.page === 'review' ? (
          <button type="button" className="button button-tiny" onClick={() => void flow.scan()}>
            Scan again
          </button>
        ) : null}
      </footer>
      <div className="sr-only" aria-live="polite" data-testid="import-status">
        {progress(flow)}
      </div>
    </Dialog.Content>
  );
}
