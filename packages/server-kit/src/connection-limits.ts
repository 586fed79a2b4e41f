import { isIPv6 } from 'node:net';

/** The `limit` label of herald_limit_refusals_total for each cap. */
export type ConnectionLimitName = 'connections_per_ip' | 'connections_per_user';

export interface ConnectionLimitsOptions {
  /** MAX_CONNECTIONS_PER_IP: open connections one client address may hold; 0: no cap. */
  perIp: number;
  /** MAX_CONNECTIONS_PER_USER: open connections one verified user may hold; 0: no cap. */
  perUser: number;
}

export type Admission =
  | {
      ok: true;
      /** Whether a slot was taken (no cap applies: nothing to give back, no listener needed). */
      holds: boolean;
      /** Gives the slots back; any call after the first does nothing. */
      release: () => void;
    }
  | { ok: false; limit: ConnectionLimitName; message: string };

const NOTHING_HELD = () => {};

/**
 * Open connections per client address and per user, and the caps on them. A slot
 * is taken by `acquire` and given back by the `release` it returns, once however
 * often it is called; an entry is deleted when its count falls to 0, so the maps
 * hold only keys with open connections and cannot grow with addresses or users
 * seen once. Only the caller knows whether a user id was verified: pass
 * `undefined` for anyone unauthenticated, or a client could lock a name out by
 * claiming it.
 */
export class ConnectionLimits {
  readonly #perIp: number;
  readonly #perUser: number;
  readonly #byIp = new Map<string, number>();
  readonly #byUser = new Map<string, number>();

  constructor({ perIp, perUser }: ConnectionLimitsOptions) {
    for (const [name, value] of [['perIp', perIp], ['perUser', perUser]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`ConnectionLimits: ${name} must be a whole number >= 0, got ${value}`);
    }
    this.#perIp = perIp;
    this.#perUser = perUser;
  }

  /** Takes a slot for `ip` and `user`, or says which cap refuses it (per IP is checked first). */
  acquire(ip: string | undefined, user: string | undefined): Admission {
    const ipKey = this.#perIp > 0 && ip !== undefined ? addressKey(ip) : undefined;
    const userKey = this.#perUser > 0 ? user : undefined;
    if (ipKey !== undefined && (this.#byIp.get(ipKey) ?? 0) >= this.#perIp) {
      return { ok: false, limit: 'connections_per_ip', message: `too many connections from this address (at most ${this.#perIp})` };
    }
    if (userKey !== undefined && (this.#byUser.get(userKey) ?? 0) >= this.#perUser) {
      return { ok: false, limit: 'connections_per_user', message: `too many connections for this user (at most ${this.#perUser})` };
    }
    if (ipKey === undefined && userKey === undefined) return { ok: true, holds: false, release: NOTHING_HELD };
    if (ipKey !== undefined) increment(this.#byIp, ipKey);
    if (userKey !== undefined) increment(this.#byUser, userKey);
    let held = true;
    return {
      ok: true,
      holds: true,
      release: () => {
        if (!held) return;
        held = false;
        if (ipKey !== undefined) decrement(this.#byIp, ipKey);
        if (userKey !== undefined) decrement(this.#byUser, userKey);
      },
    };
  }

  /** Open connections counted for an address (after addressKey) and a user; for tests and leak checks. */
  countOf(kind: 'ip' | 'user', key: string): number {
    return (kind === 'ip' ? this.#byIp.get(addressKey(key)) : this.#byUser.get(key)) ?? 0;
  }

  /** How many addresses and users hold a connection now (the maps' sizes). */
  get tracked(): { ips: number; users: number } {
    return { ips: this.#byIp.size, users: this.#byUser.size };
  }
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function decrement(map: Map<string, number>, key: string): void {
  const left = (map.get(key) ?? 0) - 1;
  if (left > 0) map.set(key, left);
  else map.delete(key);
}

/**
 * The key an address is counted under: IPv4 as is (also when written IPv4-mapped,
 * `::ffff:1.2.3.4`, as a dual-stack listener reports it), IPv6 by its /64, the
 * block a single subscriber or LAN is given: counted per /128, one host could take
 * a fresh address for every connection.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped !== null) return mapped[1]!;
  const address = ip.split('%')[0]!;
  if (!isIPv6(address)) return ip;
  const groups = ipv6Groups(address);
  // IPv4-mapped in hex (::ffff:c000:207), as some proxies write it: the IPv4 address.
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const [high, low] = [parseInt(groups[6]!, 16), parseInt(groups[7]!, 16)];
    return [high >> 8, high & 255, low >> 8, low & 255].join('.');
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - front.length - back.length).fill('0');
  return [...front, ...zeros, ...back].map((group) => parseInt(group, 16).toString(16));
}
