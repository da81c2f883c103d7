/**
 * The plain-language privacy panel: where keys are stored, that they never go to Taskly, which
 * route each provider takes, and the "Use Taskly when my key fails" setting (off by default).
 */
import * as Switch from '@radix-ui/react-switch';
import { useId, useState } from 'react';
import { toErrorPayload } from '../ipc/errors';
import { hostOf } from '../lib/keyHygiene';
import { useData } from '../state/data';
import { CheckIcon, LockIcon, RouteIcon, ShieldIcon, WarningIcon } from './Icons';

export function PrivacyPanel() {
  const { api, appInfo, keys, providers, settings, setSettings } = useData();
  const uid = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const store = appInfo?.credentialStore ?? "your system's credential store";
  const enabled = keys.filter((k) => k.enabled).sort((a, b) => a.provider_name.localeCompare(b.provider_name));
  const personalProviders = new Set(enabled.map((k) => k.provider));
  const viaTaskly = providers.filter((p) => !personalProviders.has(p.id));

  const setFallback = async (on: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const next = await api.setFallbackToTaskly(on);
      setSettings(next);
    } catch (e) {
      setError(toErrorPayload(e).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="privacy">
      <section className="card" aria-labelledby={`${uid}-where`}>
        <h3 className="card-title" id={`${uid}-where`}>
          <LockIcon size={16} /> Where your keys are kept
        </h3>
        <p>
          In <strong>{store}</strong>, the credential store of this computer.{' '}
          {appInfo ? (
            appInfo.credentialStoreWorking ? (
              <span className="inline-status tone-ok">
                <CheckIcon size={14} /> Working
              </span>
            ) : (
              <span className="inline-status tone-bad">
                <WarningIcon size={14} /> Not working
              </span>
            )
          ) : null}
        </p>
        <p>
          Taskly Desktop&apos;s own files hold only a masked hint such as <span className="masked-inline">sk-proj-…a1b2</span>, the
          label and the address a key is sent to. Once saved, a key is never shown in full again, not even here.
        </p>
      </section>

      <section className="card" aria-labelledby={`${uid}-who`}>
        <h3 className="card-title" id={`${uid}-who`}>
          <ShieldIcon size={16} /> Who sees your key
        </h3>
        <p>
          Only the provider it belongs to. Your key goes from this computer straight to that provider, inside the requests
          you make. <strong>It is never sent to Taskly</strong>, in any form.
        </p>
      </section>

      <section className="card" aria-labelledby={`${uid}-routes`}>
        <h3 className="card-title" id={`${uid}-routes`}>
          <RouteIcon size={16} /> Where your questions go
        </h3>
        <ul className="route-list" aria-label="Route per provider">
          {enabled.map((k) => (
            <li key={k.id}>
              <span className="route-provider">{k.provider_name}</span>
              <span className="route-target">
                Your key “{k.label}” <span className="masked-inline">{k.masked}</span> → {hostOf(k.base_url) ?? k.base_url}
              </span>
            </li>
          ))}
          <li>
            <span className="route-provider">{enabled.length === 0 ? 'All providers' : 'All other providers'}</span>
            <span className="route-target">
              Taskly&apos;s hosted service, billed to your Taskly plan
              {viaTaskly.length > 0 && viaTaskly.length < providers.length ? (
                <span className="muted"> ({viaTaskly.map((p) => p.name).join(', ')})</span>
              ) : null}
            </span>
          </li>
        </ul>
      </section>

      <section className="card" aria-labelledby={`${uid}-fallback`}>
        <h3 className="card-title" id={`${uid}-fallback`}>
          When your key fails
        </h3>
        <div className="switch-row switch-row-large">
          <label className="switch-label" htmlFor={`${uid}-fallback-switch`}>
            Use Taskly when my key fails
          </label>
          <Switch.Root
            id={`${uid}-fallback-switch`}
            className="switch"
            checked={settings.fallbackToTaskly}
            onCheckedChange={(on) => void setFallback(on)}
            disabled={busy}
            aria-describedby={`${uid}-fallback-hint`}
          >
            <Switch.Thumb className="switch-thumb" />
          </Switch.Root>
        </div>
        <div id={`${uid}-fallback-hint`} className="fallback-explain">
          <p>
            <strong>Off (recommended for privacy):</strong> if your key is refused, rate limited or out of credit, you see
            what went wrong and nothing is sent anywhere else.
          </p>
          <p>
            <strong>On:</strong> that request is retried through Taskly, so that conversation passes through Taskly&apos;s
            servers and counts against your Taskly plan. Answers say “Taskly (fallback)” when this happens. Your key is
            still never sent to Taskly.
          </p>
        </div>
        {error ? (
          <p className="outcome outcome-bad" role="alert">
            {error}
          </p>
        ) : null}
      </section>
    </div>
  );
}
