/**
 * After a key is saved from the app: if the system clipboard still holds it (the shell compares;
 * the web view never reads the clipboard), say so and offer to clear it now. The shell clears it
 * by itself after `clears_in_secs` unless the clipboard changed; the notice goes away then.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useData } from '../../state/data';
import { useToast } from '../../state/toast';
import { CheckIcon, CloseIcon, InfoIcon, Spinner } from '../Icons';

export type ClipboardState =
  | { kind: 'none' }
  | { kind: 'holds'; clearsInSecs: number | null; clearing: boolean }
  | { kind: 'cleared' }
  | { kind: 'changed' };

export interface ClipboardOfferControls {
  state: ClipboardState;
  /** Asks the shell, right after a successful save, whether the clipboard still holds the key. */
  check(): Promise<void>;
  clear(): Promise<void>;
  dismiss(): void;
}

export function useClipboardOffer(): ClipboardOfferControls {
  const { api } = useData();
  const toast = useToast();
  const [state, setState] = useState<ClipboardState>({ kind: 'none' });

  const check = useCallback(async () => {
    try {
      const offer = await api.clipboardOffer();
      setState(offer.holds_key ? { kind: 'holds', clearsInSecs: offer.clears_in_secs, clearing: false } : { kind: 'none' });
    } catch {
      // A shell that cannot tell leaves the clipboard to the person, as before.
      setState({ kind: 'none' });
    }
  }, [api]);

  const clear = useCallback(async () => {
    setState((s) => (s.kind === 'holds' ? { ...s, clearing: true } : s));
    let cleared = false;
    try {
      cleared = await api.clipboardClear();
    } catch {
      cleared = false;
    }
    setState({ kind: cleared ? 'cleared' : 'changed' });
    toast(
      cleared
        ? { title: 'Clipboard cleared', tone: 'ok' }
        : { title: 'Your clipboard had already changed', description: 'It no longer held the key, so it was left as it is.', tone: 'info' },
    );
  }, [api, toast]);

  const dismiss = useCallback(() => setState({ kind: 'none' }), []);

  // The shell clears it by itself after this long: the offer ends then.
  const autoSecs = state.kind === 'holds' ? state.clearsInSecs : null;
  useEffect(() => {
    if (autoSecs === null) return;
    const timer = window.setTimeout(() => setState({ kind: 'none' }), autoSecs * 1000);
    return () => window.clearTimeout(timer);
  }, [autoSecs]);

  return { state, check, clear, dismiss };
}

export function ClipboardNotice({ offer }: { offer: ClipboardOfferControls }) {
  const { state } = offer;
  const messageRef = useRef<HTMLParagraphElement>(null);
  const hadButton = useRef(false);

  // "Clear clipboard" disappears once pressed: keep the keyboard focus on what it says now.
  useEffect(() => {
    if (state.kind === 'holds') hadButton.current = true;
    else if ((state.kind === 'cleared' || state.kind === 'changed') && hadButton.current) {
      hadButton.current = false;
      messageRef.current?.focus();
    }
  }, [state.kind]);

  return (
    <div role="status" className="key-notice-region clipboard-region">
      {state.kind === 'holds' ? (
        <div className="notice notice-warn clipboard-notice" data-testid="clipboard-notice">
          <InfoIcon size={15} />
          <div className="clipboard-text">
            <p className="clipboard-title">Your clipboard still holds this key.</p>
            {state.clearsInSecs !== null ? (
              <p>It is cleared automatically in {state.clearsInSecs} seconds unless you copy something else.</p>
            ) : null}
            <div className="button-row">
              <button type="button" className="button button-small" onClick={() => void offer.clear()} aria-disabled={state.clearing}>
                {state.clearing ? <Spinner /> : null}
                Clear clipboard
              </button>
            </div>
          </div>
        </div>
      ) : state.kind === 'cleared' || state.kind === 'changed' ? (
        <div className={`notice ${state.kind === 'cleared' ? 'notice-ok' : 'notice-info'}`} data-testid="clipboard-notice">
          {state.kind === 'cleared' ? <CheckIcon size={15} /> : <InfoIcon size={15} />}
          <p ref={messageRef} tabIndex={-1}>
            {state.kind === 'cleared'
              ? 'Clipboard cleared.'
              : 'Your clipboard had already changed: it no longer held the key, so it was left as it is.'}
          </p>
          <button type="button" className="icon-button" aria-label="Dismiss message" onClick={offer.dismiss}>
            <CloseIcon size={14} />
          </button>
        </div>
      ) : null}
    </div>
  );
}
