/**
 * Who acknowledged one raising of a store alert: a row of `GET /api/sites/{site}/alerts/acks` and
 * the value of an `alert-acks` realtime change (the hub's `hub/src/alerts/`, the Store view).
 */
export interface AlertAck {
  readonly site: string;
  /** The alert's `latest` key: `alert:{rule}:{subject.kind}:{subject.id}`. */
  readonly key: string;
  /** The raising acknowledged: the alert's `since`. */
  readonly raisedAt: number;
  /** When it was acknowledged, ms. */
  readonly at: number;
  /** The username. */
  readonly by: string;
  readonly note?: string;
}
