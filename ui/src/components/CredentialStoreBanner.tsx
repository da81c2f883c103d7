/** A prominent banner when the OS credential store does not work: keys cannot be saved or used. */
import { docsUrl } from '../lib/docs';
import { useData } from '../state/data';
import { ExternalLink } from './ExternalLink';
import { LockIcon } from './Icons';

export function CredentialStoreBanner() {
  const { appInfo, reload } = useData();
  if (!appInfo || appInfo.credentialStoreWorking) return null;
  return (
    <div className="banner banner-bad" role="alert" data-testid="store-banner">
      <LockIcon size={20} />
      <div className="banner-body">
        <p className="banner-title">Your credential store ({appInfo.credentialStore}) is not working</p>
        <p>{appInfo.credentialStoreError?.message ?? 'Taskly Desktop cannot reach it.'}</p>
        <p>
          Personal keys cannot be saved or used until it works. Taskly Desktop never keeps keys anywhere else, such as in
          plain files.
        </p>
        <p>
          <ExternalLink href={docsUrl('troubleshooting', 'credential-store')}>How to fix this, step by step</ExternalLink>
        </p>
      </div>
      <button type="button" className="button button-small" onClick={() => void reload()}>
        Check again
      </button>
    </div>
  );
}
