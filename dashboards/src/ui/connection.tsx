import { useEffect, useState } from 'preact/hooks';
import type { LiveFeed, LiveStatus } from '../api/live.js';

/** The live feed's state as a view shows it: `online` / `connecting` / `offline`, updated as it changes. */
export function useLiveStatus(live: LiveFeed): LiveStatus {
  const [status, setStatus] = useState(live.status);
  useEffect(() => {
    setStatus(live.status);
    return live.onStatus(setStatus);
  }, [live]);
  return status;
}

const TEXT: Record<LiveStatus, string> = {
  online: 'Live',
  connecting: 'Connecting…',
  offline: 'Offline: showing the last data received, reconnecting',
};

export function ConnectionBadge({ live }: { live: LiveFeed }) {
  const status = useLiveStatus(live);
  return (
    <span class={`connection ${status}`} role="status" data-connection={status}>
      {TEXT[status]}
    </span>
  );
}
