/** A styled Radix Select (a listbox with type-ahead and full keyboard support). */
import * as RSelect from '@radix-ui/react-select';
import type { ReactNode, Ref } from 'react';
import { CheckIcon, ChevronDownIcon } from './Icons';

export interface SelectOption {
  value: string;
  label: string;
  /** Extra text shown in the list only. */
  detail?: ReactNode;
}

interface Props {
  id?: string;
  value: string;
  onValueChange(value: string): void;
  options: SelectOption[];
  /** Accessible name when there is no visible <label>. */
  ariaLabel?: string;
  ariaLabelledBy?: string;
  ariaDescribedBy?: string;
  className?: string;
  disabled?: boolean;
  triggerRef?: Ref<HTMLButtonElement>;
}

export function Select({ id, value, onValueChange, options, ariaLabel, ariaLabelledBy, ariaDescribedBy, className, disabled, triggerRef }: Props) {
  return (
    <RSelect.Root value={value} onValueChange={onValueChange} disabled={disabled}>
      <RSelect.Trigger
        id={id}
        ref={triggerRef}
        className={`select-trigger ${className ?? ''}`}
        aria-label={ariaLabel}
        aria-labelledby={ariaLabelledBy}
        aria-describedby={ariaDescribedBy}
      >
        <RSelect.Value />
        <RSelect.Icon className="select-icon">
          <ChevronDownIcon />
        </RSelect.Icon>
      </RSelect.Trigger>
      <RSelect.Portal>
        <RSelect.Content className="select-content" position="popper" sideOffset={4} collisionPadding={8}>
          <RSelect.Viewport className="select-viewport">
            {options.map((o) => (
              <RSelect.Item key={o.value} value={o.value} className="select-item">
                <RSelect.ItemText>{o.label}</RSelect.ItemText>
                {o.detail ? <span className="select-detail">{o.detail}</span> : null}
                <RSelect.ItemIndicator className="select-indicator">
                  <CheckIcon size={14} />
                </RSelect.ItemIndicator>
              </RSelect.Item>
            ))}
          </RSelect.Viewport>
        </RSelect.Content>
      </RSelect.Portal>
    </RSelect.Root>
  );
}
