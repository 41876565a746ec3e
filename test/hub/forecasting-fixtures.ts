import type { FeatureSpec } from '../../protocols/src/index.js';

/** A week of hours in, a day out, hour and weekday one-hot: the footfall shape, for model tests. */
export const WEEK_IN_DAY_OUT: FeatureSpec = {
  granularity: 'hour',
  window: 168,
  horizon: 24,
  calendar: ['hour-of-day', 'day-of-week'],
  scaling: 'mean-abs',
  timeZone: 'Australia/Melbourne',
};
