/** The verification status of a key as a badge: word, colour and icon (never colour alone). */
import type { Verification } from '../../bindings/core';
import { VERIFICATION_TEXT, VERIFICATION_TONE } from '../../lib/format';
import { CheckIcon, InfoIcon, WarningIcon } from '../Icons';

export function StatusBadge({ verification, title }: { verification: Verification; title?: string }) {
  const tone = VERIFICATION_TONE[verification];
  const Icon = tone === 'ok' ? CheckIcon : tone === 'neutral' ? InfoIcon : WarningIcon;
  return (
    <span className={`badge badge-${tone}`} title={title}>
      <Icon size={12} />
      {VERIFICATION_TEXT[verification]}
    </span>
  );
}
