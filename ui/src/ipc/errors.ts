/**
 * Turns whatever an IPC call rejected with into an {@link ErrorPayload}, so every error the UI
 * shows has a code, a message and an action. The shell rejects with the core's payload; Tauri
 * itself may reject with a plain string (e.g. a command the window's capability does not allow).
 */
import type { ErrorCode, ErrorPayload } from '../bindings/core';

export function isErrorPayload(value: unknown): value is ErrorPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string' && typeof v.action === 'string';
}

export function errorPayload(
  code: ErrorCode,
  message: string,
  extra: Partial<Omit<ErrorPayload, 'code' | 'message'>> = {},
): ErrorPayload {
  return {
    code,
    message,
    action: 'none',
    provider: null,
    link: null,
    via_taskly: false,
    retry_after_secs: null,
    partial_text: null,
    ...extra,
  };
}

export function toErrorPayload(error: unknown): ErrorPayload {
  if (isErrorPayload(error)) {
    // Fill fields an older shell might not send, so the UI can rely on them.
    return { ...errorPayload(error.code, error.message), ...error };
  }
  const text =
    typeof error === 'string'
      ? error
      : error instanceof Error
        ? error.message
        : 'Something went wrong inside Taskly Desktop.';
  return errorPayload('internal', text, { action: 'report_bug' });
}
