import type { ViewProps } from '../registry.js';

/** The Fleet view (admins): gateways, their outboxes and models, ingest rate, devices. */
export function FleetView(_props: ViewProps) {
  return <h1>Fleet</h1>;
}
