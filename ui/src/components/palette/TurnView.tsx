/**
 * One question and its answer: route label, streamed Markdown, retries, failovers to a backup key,
 * fallback, errors, tokens, and the receipt (one line, expandable to the details and why this route).
 */
import { Suspense, useId, useState, type ReactNode } from 'react';
import type { ErrorPayload, Receipt, RouteInfo } from '../../bindings/core';
import { providerName, routeLabel } from '../../lib/format';
import { useData } from '../../state/data';
import { useAccount } from '../../state/account';
import { useNav } from '../../state/nav';
import type { Turn } from '../../state/chat';
import { ExternalLink } from '../ExternalLink';
import { docsUrl } from '../../lib/docs';
import { errorHeadline } from '../../lib/errorText';
import { absoluteTime } from '../../lib/format';
import { costText, failoverText, payerText, receiptLine, seconds } from '../../lib/spend';
import { ChevronDownIcon, KeyIcon, PencilIcon, RefreshIcon, SendIcon, SparkIcon, WarningIcon } from '../Icons';
import { Markdown } from './lazyMarkdown';
import { useCountdown } from './useCountdown';

/**
 * A route as a badge. `via`: an answer's badge, which says "via Taskly (ana@example.com)" when it
 * went through a signed-in account, as the CLI does.
 */
export function RouteBadge({ route, testId, via = false }: { route: RouteInfo; testId?: string; via?: boolean }) {
  const { providers } = useData();
  const label = `${via && route.kind === 'taskly' && route.account ? 'via ' : ''}${routeLabel(route, providers)}`;
  const tone = route.kind === 'personal' ? 'personal' : route.fallback ? 'fallback' : 'taskly';
  return (
    <span className={`route-badge route-${tone}`} data-testid={testId} title={route.kind === 'personal' && route.label ? `“${route.label}”` : undefined}>
      {route.kind === 'personal' ? <KeyIcon size={13} /> : <SparkIcon size={13} />}
      <span>{label}</span>
    </span>
  );
}

interface TurnProps {
  turn: Turn;
  isLast: boolean;
  onRetry(): void;
  onPickModel(): void;
  /** The prompt guard's two ways on: the question back in the field, or sent as it is. */
  onEditQuestion(): void;
  onSendAnyway(): void;
}

export function TurnView({ turn, isLast, onRetry, onPickModel, onEditQuestion, onSendAnyway }: TurnProps) {
  const { providers, appInfo } = useData();
  const name = providerName(providers, turn.provider);
  const qId = `${turn.id}-q`;
  return (
    <article className="turn" aria-labelledby={qId} data-testid="turn" data-status={turn.status}>
      <div className="turn-question">
        <p id={qId}>
          <span className="sr-only">You asked: </span>
          {turn.question}
        </p>
      </div>
      <div className="turn-answer">
        <div className="answer-meta">
          {turn.route ? (
            <RouteBadge route={turn.route} testId="answer-route" via />
          ) : turn.status === 'waiting' || turn.status === 'streaming' ? (
            <span className="muted">Connecting…</span>
          ) : null}
          {turn.answeredModel ? <span className="answer-model">{turn.answeredModel}</span> : null}
          {turn.route?.kind === 'taskly' && appInfo?.demo ? <span className="demo-chip">local demo service</span> : null}
        </div>
        {turn.failovers.map((f, i) => (
          <p key={i} className="notice notice-info failover-notice" role="status" data-testid="failover-notice">
            <RefreshIcon size={14} />
            <span>{failoverText(f.from, f.to, f.error)}</span>
          </p>
        ))}
        {turn.fallback ? (
          <p className="notice notice-warn" data-testid="fallback-notice">
            Your {name} key failed: {turn.fallback.message} Taskly answered instead, as allowed in Privacy settings.
          </p>
        ) : null}
        {turn.retry ? <RetryNotice turn={turn} /> : null}
        {turn.text ? (
          <div className={turn.status === 'streaming' ? 'answer-text is-streaming' : 'answer-text'} data-testid="answer-text">
            <Suspense fallback={<p className="plain-answer">{turn.text}</p>}>
              <Markdown text={turn.text} />
            </Suspense>
          </div>
        ) : turn.status === 'waiting' && !turn.retry ? (
          <p className="typing" aria-hidden="true">
            <span />
            <span />
            <span />
          </p>
        ) : null}
        {turn.status === 'cancelled' ? <p className="muted stopped">Stopped.</p> : null}
        {turn.error ? (
          <ErrorCard
            turn={turn}
            error={turn.error}
            providerName={name}
            canRetry={isLast}
            onRetry={onRetry}
            onPickModel={onPickModel}
            onEditQuestion={onEditQuestion}
            onSendAnyway={onSendAnyway}
          />
        ) : null}
        {turn.status === 'done' ? (
          <p className="answer-footer" data-testid="answer-footer">
            {turn.usage ? (
              <span>
                Tokens used: {turn.usage.input_tokens.toLocaleString('en-US')} in · {turn.usage.output_tokens.toLocaleString('en-US')} out
              </span>
            ) : (
              <span>Token count not reported</span>
            )}
            {turn.warnings.map((w) => (
              <span key={w} className="tone-warn">
                {w}
              </span>
            ))}
          </p>
        ) : null}
        {turn.status === 'done' && turn.receipt ? <ReceiptView receipt={turn.receipt} /> : null}
      </div>
    </article>
  );
}

/** The receipt: one line (who paid, model, tokens, ~cost, time), a disclosure for the details. */
export function ReceiptView({ receipt: r }: { receipt: Receipt }) {
  const { providers } = useData();
  const [open, setOpen] = useState(false);
  const id = useId();
  const line = receiptLine(r, providers);
  const rows: [string, string][] = [
    ['Paid by', r.route.kind === 'personal' ? `Your key ${payerText(r.route, providers)}` : payerText(r.route, providers)],
    ['Provider', providers.find((p) => p.id === r.provider)?.name ?? r.provider],
    ['Model asked', r.model],
    ['Model answered', r.model_answered ?? 'not said'],
    [
      'Tokens',
      r.input_tokens !== null && r.output_tokens !== null
        ? `${r.input_tokens.toLocaleString('en-US')} in, ${r.output_tokens.toLocaleString('en-US')} out`
        : 'not reported',
    ],
    ['Estimated cost', r.estimated_cost_usd !== null ? costText(r.estimated_cost_usd) : 'no price for this model'],
    ['First text after', r.first_token_ms !== null ? seconds(r.first_token_ms) : '—'],
    ['Total time', seconds(r.total_ms)],
    ['Why this route', r.why],
    ['Asked at', absoluteTime(r.at)],
  ];
  return (
    <div className="receipt" data-testid="receipt">
      <button
        type="button"
        className="receipt-toggle"
        aria-expanded={open}
        aria-controls={`${id}-details`}
        onClick={() => setOpen(!open)}
        data-testid="receipt-toggle"
      >
        <ChevronDownIcon size={13} className="chevron" />
        <span className="sr-only">Receipt: </span>
        <span className="receipt-line" data-testid="receipt-line">
          {line}
        </span>
      </button>
      {open ? (
        <dl className="receipt-details" id={`${id}-details`} data-testid="receipt-details">
          {rows.map(([term, value]) => (
            <div key={term} className="receipt-row">
              <dt>{term}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
    </div>
  );
}

function RetryNotice({ turn }: { turn: Turn }) {
  const retry = turn.retry;
  const left = useCountdown(retry?.at ?? null);
  if (!retry) return null;
  return (
    <p className="notice notice-warn retry-notice" data-testid="retry-notice">
      <RefreshIcon size={14} />
      <span>
        {retry.error.message}{' '}
        <strong>
          {left > 0 ? `Retrying in ${left} s` : 'Retrying now'} (attempt {retry.attempt} of {retry.maxRetries}).
        </strong>{' '}
        Press Esc to stop.
      </span>
    </p>
  );
}

interface ErrorProps {
  turn: Turn;
  error: ErrorPayload;
  providerName: string;
  canRetry: boolean;
  onRetry(): void;
  onPickModel(): void;
  onEditQuestion(): void;
  onSendAnyway(): void;
}

function ErrorCard({ turn, error, providerName: name, canRetry, onRetry, onPickModel, onEditQuestion, onSendAnyway }: ErrorProps) {
  const { keys, providers } = useData();
  const nav = useNav();
  const account = useAccount();
  const waitUntil =
    error.action === 'wait_and_retry' && turn.errorAt !== null ? turn.errorAt + (error.retry_after_secs ?? 0) * 1000 : null;
  const left = useCountdown(waitUntil);
  const keyId = turn.route?.key_id ?? keys.find((k) => k.provider === turn.provider && k.enabled)?.id ?? null;
  const spec = providers.find((p) => p.id === turn.provider);

  const openKey = (mode: 'replace' | 'edit') =>
    nav.openSettings({ tab: 'keys', focus: keyId ? { keyId, mode } : null });

  let action: ReactNode = null;
  // The prompt guard stopped the question before anything was sent: edit it, or send it anyway.
  if (error.code === 'prompt_has_secret') {
    action = canRetry ? (
      <>
        <button type="button" className="button button-primary button-small" onClick={onEditQuestion}>
          <PencilIcon size={14} /> Edit question
        </button>
        <button type="button" className="button button-small" onClick={onSendAnyway}>
          <SendIcon size={14} /> Send anyway
        </button>
      </>
    ) : null;
  } else switch (error.action) {
    case 'update_key':
    case 're_enter_key':
      action = (
        <button type="button" className="button button-primary button-small" onClick={() => openKey('replace')}>
          Update key
        </button>
      );
      break;
    case 'check_base_url':
      action = (
        <button type="button" className="button button-small" onClick={() => openKey('edit')}>
          Check the base URL
        </button>
      );
      break;
    case 'wait_and_retry':
      action =
        left > 0 ? (
          <span className="countdown" data-testid="retry-countdown">
            You can try again in <strong>{left} s</strong>
          </span>
        ) : canRetry ? (
          <button type="button" className="button button-primary button-small" onClick={onRetry}>
            <RefreshIcon size={14} /> Retry
          </button>
        ) : null;
      break;
    case 'check_billing': {
      const link = error.link ?? spec?.billing_page ?? null;
      action = link ? (
        <ExternalLink href={link} className="button button-small">
          Open billing page
        </ExternalLink>
      ) : null;
      break;
    }
    case 'check_certificates':
      action = (
        <ExternalLink
          href={docsUrl('troubleshooting', 'proxies-and-certificates')}
          className="button button-small"
        >
          About certificates
        </ExternalLink>
      );
      break;
    case 'pick_model':
      action = (
        <button type="button" className="button button-small" onClick={onPickModel}>
          Pick another model
        </button>
      );
      break;
    case 'setup_credential_store':
    case 'unlock_credential_store':
      action = (
        <>
          <button type="button" className="button button-small" onClick={() => nav.openSettings({ tab: 'privacy' })}>
            Open settings
          </button>
          {canRetry ? (
            <button type="button" className="button button-small" onClick={onRetry}>
              Retry
            </button>
          ) : null}
        </>
      );
      break;
    case 'sign_in': {
      const signingIn = account.phase.kind === 'starting' || account.phase.kind === 'waiting';
      // Signed in meanwhile (from here or elsewhere): the question can simply be asked again.
      const signedIn = account.status?.active?.has_session === true && error.code !== 'proxy_token_rejected';
      action = (
        <>
          {signedIn && canRetry ? (
            <button type="button" className="button button-primary button-small" onClick={onRetry}>
              <RefreshIcon size={14} /> Retry as {account.status?.active?.email ?? 'your account'}
            </button>
          ) : (
            <button type="button" className="button button-primary button-small" onClick={() => account.signIn()} disabled={signingIn}>
              {signingIn ? 'Waiting for the browser…' : 'Sign in to Taskly'}
            </button>
          )}
        </>
      );
      break;
    }
    case 'retry':
    case 'retry_or_save_without_checking':
      action = canRetry ? (
        <button type="button" className="button button-primary button-small" onClick={onRetry}>
          <RefreshIcon size={14} /> Retry
        </button>
      ) : null;
      break;
    default:
      action = null;
  }

  return (
    <div
      className={`error-card${['rate_limited', 'stream_cut', 'upstream_outage', 'upstream_timeout', 'prompt_has_secret'].includes(error.code) ? ' tone-warn-card' : ''}`}
      role="alert"
      data-testid="chat-error"
      data-code={error.code}
    >
      <p className="error-title">
        <WarningIcon size={16} />
        {errorHeadline(error, name, 'chat')}
        {error.via_taskly ? <span className="muted"> (from Taskly)</span> : null}
      </p>
      <p className="error-message">{error.message}</p>
      {error.code === 'stream_cut' && turn.text ? <p className="muted">The part that arrived is kept above.</p> : null}
      {action ? <div className="button-row">{action}</div> : null}
    </div>
  );
}
