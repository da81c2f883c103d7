/** The version and a "Check for updates" button, for the Settings dialog's footer. */
import { RefreshIcon } from '../Icons';
import { useUpdates } from './UpdatesProvider';

export function AboutUpdates() {
  const updates = useUpdates();
  if (!updates) return null;
  return (
    <span className="about-updates">
      <button type="button" className="button button-small button-quiet" onClick={() => updates.checkNow()}>
        <RefreshIcon size={13} /> Check for updates
      </button>
    </span>
  );
}
