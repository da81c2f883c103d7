/** The copies Taskly cannot remove (an environment variable, a line it cannot rewrite), each with why and the find's note. */
import type { Find } from '../../../bindings/core';
import { placeText, unremovable } from './importText';

export function Unremovable({ finds, providerName }: { finds: Find[]; providerName(id: string): string }) {
  const rows = finds.filter((f) => unremovable(f).length > 0);
  if (rows.length === 0) return null;
  return (
    <div className="import-unremovable" data-testid="unremovable">
      <h4>Copies Taskly cannot remove</h4>
      <ul className="import-plain-list">
        {rows.map((f) => (
          <li key={f.id}>
            <span className="find-provider">{providerName(f.provider)}</span> <code className="masked-inline">{f.masked}</code>
            <ul>
              {unremovable(f).map((p, i) => (
                <li key={`${p.name}-${i}`}>
                  {placeText(p)}: {p.cannot_remove}
                </li>
              ))}
            </ul>
            {f.note ? <p className="find-note">{f.note}</p> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
