/**
 * Toasts: short confirmations in a polite live region, dismissed after a few seconds (not while
 * one of its controls has focus) or with their close button. Deliberately not a dismissable layer (as Radix
 * Toast is): Esc must stay with the open dialog, where it closes settings or stops an answer.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { CheckIcon, CloseIcon, InfoIcon, WarningIcon } from '../components/Icons';

export type ToastTone = 'ok' | 'info' | 'warn' | 'bad';

export interface ToastMessage {
  title: string;
  description?: string;
  tone?: ToastTone;
}

interface Item extends ToastMessage {
  id: number;
}

const DURATION_MS = 6000;
const ToastContext = createContext<((message: ToastMessage) => void) | null>(null);

export function useToast(): (message: ToastMessage) => void {
  const ctx = useContext(ToastContext);
  if (!ctx) throw new Error('useToast outside ToastProvider');
  return ctx;
}

let nextId = 1;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<Item[]>([]);
  const push = useCallback((message: ToastMessage) => {
    const id = nextId++;
    setItems((list) => [...list.slice(-1), { ...message, id }]);
  }, []);
  const dismiss = useCallback((id: number) => setItems((list) => list.filter((t) => t.id !== id)), []);
  const value = useMemo(() => push, [push]);

  return (
    <ToastContext.Provider value={value}>
      {children}
      <section className="toast-viewport" aria-label="Notifications">
        <ol aria-live="polite" aria-relevant="additions text" className="toast-list">
          {items.map((t) => (
            <ToastItem key={t.id} item={t} onDismiss={dismiss} />
          ))}
        </ol>
      </section>
    </ToastContext.Provider>
  );
}

function ToastItem({ item, onDismiss }: { item: Item; onDismiss(id: number): void }) {
  const [paused, setPaused] = useState(false);
  const left = useRef(DURATION_MS);
  useEffect(() => {
    if (paused) return;
    const started = Date.now();
    const timer = window.setTimeout(() => onDismiss(item.id), left.current);
    return () => {
      window.clearTimeout(timer);
      left.current = Math.max(1500, left.current - (Date.now() - started));
    };
  }, [paused, item.id, onDismiss]);
  const tone = item.tone ?? 'info';
  return (
    <li className={`toast toast-${tone}`}>
      <span className="toast-icon" aria-hidden="true">
        {tone === 'ok' ? <CheckIcon /> : tone === 'warn' || tone === 'bad' ? <WarningIcon /> : <InfoIcon />}
      </span>
      <div className="toast-body">
        <p className="toast-title">{item.title}</p>
        {item.description ? <p className="toast-description">{item.description}</p> : null}
      </div>
      <button
        type="button"
        className="icon-button toast-close"
        aria-label="Dismiss notification"
        onClick={() => onDismiss(item.id)}
        onFocus={() => setPaused(true)}
        onBlur={() => setPaused(false)}
      >
        <CloseIcon />
      </button>
    </li>
  );
}
