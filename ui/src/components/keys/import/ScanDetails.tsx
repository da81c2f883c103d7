/** The scan's fine print, folded: the files passed over (and why), and every place it looked in. */
import { useId, useState, type ReactNode } from 'react';
import type { ScanReport } from '../../../bindings/core';
import { plural } from './importText';

function Fold({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  const uid = useId();
  const [open, setOpen] = useState(false);
  return (
    <div className="import-fold" data-testid={testId}>
      <button type="button" className="disclosure" aria-expanded={open} aria-controls={uid} onClick={() => setOpen((o) => !o)}>
        <span className="disclosure-caret" aria-hidden="true">
          ▸
        </span>
        {title}
      </button>
      <div id={uid} hidden={!open}>
        {children}
      </div>
    </div>
  );
}

export function ScanDetails({ report }: { report: ScanReport }) {
  return (
    <div className="import-details">
      {report.skipped.length > 0 ? (
        <Fold title={`Passed over (${plural(report.skipped.length, 'file')})`} testId="passed-over">
          <ul className="import-plain-list">
            {report.skipped.map((s) => (
              <li key={s.path}>
                <code className="mono-small">{s.path}</code>: {s.reason}
              </li>
            ))}
          </ul>
        </Fold>
      ) : null}
      <Fold title={`Looked in (${plural(report.looked_in.length, 'place')})`} testId="looked-in">
        <ul className="import-plain-list import-columns">
          {report.looked_in.map((p) => (
            <li key={p}>
              <code className="mono-small">{p}</code>
            </li>
          ))}
        </ul>
      </Fold>
    </div>
  );
}
