/**
 * A link that opens in the system browser through `open_external`. The web view never
 * navigates: the default action is always prevented, and only http, https and mailto URLs are
 * handed on (anything else renders as plain text).
 */
import type { MouseEvent, ReactNode } from 'react';
import { useData } from '../state/data';
import { safeExternalUrl } from '../lib/links';
import { ExternalIcon } from './Icons';

interface Props {
  href: string | null | undefined;
  children: ReactNode;
  className?: string;
  /** Show the "opens outside" icon. */
  icon?: boolean;
}

export function ExternalLink({ href, children, className, icon = true }: Props) {
  const { api } = useData();
  const url = safeExternalUrl(href);
  // Not a link we will open: show its text only, without link styling.
  if (!url) return <span>{children}</span>;
  const open = (e: MouseEvent<HTMLAnchorElement>) => {
    e.preventDefault();
    void api.openExternal(url);
  };
  return (
    <a
      className={className ?? 'link'}
      href={url}
      onClick={open}
      onAuxClick={open}
      rel="noreferrer noopener"
      title={`${url} (opens in your browser)`}
    >
      {children}
      {icon ? (
        <>
          <ExternalIcon className="link-icon" size={13} />
          <span className="sr-only"> (opens in your browser)</span>
        </>
      ) : null}
    </a>
  );
}
