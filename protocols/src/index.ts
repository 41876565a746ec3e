/**
 * @aisle/protocols: the wire contract. Everything that crosses a process boundary is defined
 * here once (ARCHITECTURE §2). Browser-safe: the Node stream wrapper for serial lines lives in
 * `@aisle/protocols/serial-stream`.
 */
export * from './codec.js';
export * from './errors.js';
export * from './forecasting/depletion.js';
export * from './forecasting/features.js';
export * from './forecasting/seasonal-naive.js';
export * from './ids.js';
export * from './inbound.js';
export * from './messages.js';
export * from './recommendation/reasons.js';
export * from './replenishment/reasons.js';
export * from './replenishment/store-trace.js';
export * from './routing/reasons.js';
export * from './schemas/common.js';
export * from './schemas/derived.js';
export * from './schemas/device.js';
export * from './schemas/downlink.js';
export * from './schemas/envelope.js';
export * from './schemas/logistics.js';
export * from './schemas/model.js';
export * from './schemas/telemetry.js';
export * from './schemas/uplink.js';
export * from './serial/frame.js';
export * from './serial/nmea.js';
export * from './serial/sentences.js';
export * from './signing.js';
export type * from './store/alert-ack.js';
export * from './store/reasons.js';
export * from './topics.js';
