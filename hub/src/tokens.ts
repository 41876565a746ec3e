/** Injection tokens for what is not a class: configuration, connections, the metrics registry. */
export const HUB_CONFIG = Symbol('HUB_CONFIG');
export const DATABASE = Symbol('DATABASE');
export const HUB_BUS = Symbol('HUB_BUS');
export const METRICS = Symbol('METRICS');
export const LOGGER = Symbol('LOGGER');
export const INGEST_REPOSITORY = Symbol('INGEST_REPOSITORY');
export const SERIES_REPOSITORY = Symbol('SERIES_REPOSITORY');
export const REGISTRY_REPOSITORY = Symbol('REGISTRY_REPOSITORY');
export const USERS_REPOSITORY = Symbol('USERS_REPOSITORY');
export const AUDIT_REPOSITORY = Symbol('AUDIT_REPOSITORY');
export const POS_REPOSITORY = Symbol('POS_REPOSITORY');
