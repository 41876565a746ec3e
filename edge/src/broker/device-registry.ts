import { type DeviceKind, isValidLevel } from '@aisle/protocols';

/**
 * The devices allowed on one site's broker, with their hashed credentials. Replaced as a whole at
 * runtime (`setDevices`, e.g. when the hub pushes `down/{site}/{gateway}/credentials`); whoever
 * holds sessions (the broker) hears which usernames lost their access and disconnects them.
 *
 * Structurally the protocols `DeviceCredential` and the gateway config's device entries.
 */
export interface DeviceRecord {
  readonly device: string;
  readonly kind: DeviceKind;
  readonly username: string;
  /** `scrypt$N$r$p$salt$hash`, see `credentials.ts`. */
  readonly passwordHash: string;
  readonly revoked?: boolean;
}

/**
 * Usernames beginning with `$` belong to the gateway's own service clients (see `edge-broker.ts`);
 * no device may take one, so a device can never collide with, or take over, a service session.
 */
export const RESERVED_USERNAME_PREFIX = '$';

export class DeviceRegistryError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid device list: ${problems.join('; ')}`);
    this.name = 'DeviceRegistryError';
    this.problems = problems;
  }
}

/** Called with the usernames whose access ended: removed, revoked, or given a new password hash. */
export type AccessEndedListener = (usernames: readonly string[]) => void;

export class DeviceRegistry {
  readonly site: string;
  #byUsername = new Map<string, DeviceRecord>();
  readonly #listeners = new Set<AccessEndedListener>();

  constructor(site: string, devices: readonly DeviceRecord[] = []) {
    if (!isValidLevel(site)) throw new DeviceRegistryError([`site=${JSON.stringify(site)} is not [a-z0-9-]{1,64}`]);
    this.site = site;
    this.setDevices(devices);
  }

  get size(): number {
    return this.#byUsername.size;
  }

  /** The device that owns `username`, revoked ones included (the caller tells the two apart). */
  find(username: string): DeviceRecord | undefined {
    return this.#byUsername.get(username);
  }

  /**
   * Replaces the whole list. A list with problems (a duplicate or reserved username, an invalid
   * device id) is refused as a whole with every problem listed, and the current list stays.
   */
  setDevices(devices: readonly DeviceRecord[]): void {
    const problems: string[] = [];
    const next = new Map<string, DeviceRecord>();
    devices.forEach((record, i) => {
      if (!isValidLevel(record.device)) {
        problems.push(`devices[${i}].device=${JSON.stringify(record.device)} is not [a-z0-9-]{1,64}`);
      }
      if (record.username.length === 0 || record.username.startsWith(RESERVED_USERNAME_PREFIX)) {
        problems.push(`devices[${i}].username=${JSON.stringify(record.username)} is empty or reserved`);
      } else if (next.has(record.username)) {
        problems.push(`devices[${i}].username=${JSON.stringify(record.username)} is a duplicate`);
      }
      next.set(record.username, record);
    });
    if (problems.length > 0) throw new DeviceRegistryError(problems);

    const ended: string[] = [];
    for (const [username, before] of this.#byUsername) {
      const after = next.get(username);
      const hadAccess = before.revoked !== true;
      const keepsAccess =
        after !== undefined &&
        after.revoked !== true &&
        after.passwordHash === before.passwordHash &&
        after.device === before.device;
      if (hadAccess && !keepsAccess) ended.push(username);
    }
    this.#byUsername = next;
    if (ended.length === 0) return;
    for (const listener of this.#listeners) listener(ended);
  }

  /** Subscribes to access changes; returns the unsubscribe function. */
  onAccessEnded(listener: AccessEndedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
