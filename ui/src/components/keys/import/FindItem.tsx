/** One find of the scan: a checkbox (none when Taskly already holds it), provider, masked key, every place, the note. */
import type { Find } from '../../../bindings/core';
import { CheckIcon } from '../../Icons';
import { placeText, toolName } from './importText';

interface Props {
  find: Find;
  providerName: string;
  checked: boolean;
  disabled: boolean;
  onChange(on: boolean): void;
}

export function FindItem({ find, providerName, checked, disabled, onChange }: Props) {
  const id = `find-${find.id}`;
  const held = find.already_held !== null;
  return (
    <li className={`find${held ? ' find-held' : ''}`} data-testid="find" data-find={find.id}>
      <div className="find-head">
        {held ? (
          <span className="find-check-placeholder" aria-hidden="true">
            <CheckIcon size={14} />
          </span>
        ) : (
          <input
            type="checkbox"
            id={id}
            checked={checked}
            disabled={disabled}
            onChange={(e) => onChange(e.target.checked)}
            aria-describedby={`${id}-places`}
          />
        )}
        {held ? (
          <span className="find-title" id={id}>
            <span className="find-provider">{providerName}</span> <code className="masked-inline">{find.masked}</code>
          </span>
        ) : (
          <label className="find-title" htmlFor={id}>
            <span className="find-provider">{providerName}</span> <code className="masked-inline">{find.masked}</code>
          </label>
        )}
        {held ? <span className="badge badge-neutral find-badge">Already in Taskly</span> : null}
      </div>
      <ul className="find-places" id={`${id}-places`} aria-label={`Where the ${providerName} key ${find.masked} was found`}>
        {find.places.map((p, i) => (
          <li key={`${p.path ?? 'env'}-${p.name}-${i}`}>
            <span className="find-tool">{toolName(p.tool)}</span> <span className="find-where">{placeText(p)}</span>
          </li>
        ))}
      </ul>
      {find.note ? <p className="find-note">{find.note}</p> : null}
    </li>
  );
}
