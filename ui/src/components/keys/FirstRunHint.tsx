/**
 * The first-run hint on Settings → AI keys: three steps to a first personal-key request, with
 * links to the guides, and the way to import keys other tools left on this computer. Shown until the user has a key or dismisses it; only that fact (a
 * boolean) is remembered in localStorage, never anything the user typed.
 */
import { useEffect, useId, useState } from 'react';
import { docsUrl } from '../../lib/docs';
import { ExternalLink } from '../ExternalLink';
import { CloseIcon, SparkIcon } from '../Icons';
import '../../styles/guidance.css';

/** The localStorage entry; its only value is "true". */
export const FIRST_RUN_DONE = 'taskly.firstRunHint.done';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

function readDone(): boolean {
  try {
    return window.localStorage.getItem(FIRST_RUN_DONE) === 'true';
  } catch {
    return false;
  }
}

function saveDone() {
  try {
    window.localStorage.setItem(FIRST_RUN_DONE, 'true');
  } catch {
    // Storage refused (private mode): the hint simply shows again next time.
  }
}

export function FirstRunHint({ hasKeys, onImport }: { hasKeys: boolean; onImport?(): void }) {
  const uid = useId();
  const [done, setDone] = useState(readDone);

  // Having a key is the end of "first run": remember it, so deleting every key later does not
  // bring the hint back.
  useEffect(() => {
    if (hasKeys) saveDone();
  }, [hasKeys]);

  if (done || hasKeys) return null;

  const dismiss = () => {
    saveDone();
    setDone(true);
  };

  return (
    <aside className="first-run" aria-labelledby={`${uid}-title`} data-testid="first-run-hint">
      <div className="first-run-head">
        <h3 className="card-title" id={`${uid}-title`}>
          <SparkIcon size={16} /> First time here? Three steps to your own key
        </h3>
        <button type="button" className="icon-button" aria-label="Dismiss this tip" onClick={dismiss}>
          <CloseIcon />
        </button>
      </div>
      <ol className="first-run-steps">
        <li>
          Create an API key on your provider&apos;s website. The{' '}
          <ExternalLink href={docsUrl('providers')}>step-by-step guide for each provider</ExternalLink> shows the page and
          what the key looks like.
        </li>
        <li>
          Below, pick the provider, paste the key and save it. Taskly checks it with the provider, then keeps it in your
          system&apos;s credential store.
        </li>
        <li>
          Press <kbd>{isMac ? '⌘' : 'Ctrl'} K</kbd> and ask a question. The answer says it came through your key.
        </li>
      </ol>
      {onImport ? (
        <p className="first-run-import">
          Already use a key in your shell, a .env file or another AI tool?{' '}
          <button type="button" className="button button-small" onClick={onImport}>
            Import keys from this computer
          </button>
        </p>
      ) : null}
      <p className="first-run-foot">
        <ExternalLink href={docsUrl('privacy', 'what-goes-where')}>What goes where, and what Taskly can see</ExternalLink>
      </p>
    </aside>
  );
}
