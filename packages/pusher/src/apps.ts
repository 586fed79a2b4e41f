/**
 * The Pusher apps this gateway serves, from the environment: one app from
 * PUSHER_APP_ID/PUSHER_APP_KEY/PUSHER_APP_SECRET, or several from PUSHER_APPS (a JSON
 * list of {id,key,secret}). Unset: Pusher compatibility is off.
 */

export interface PusherApp {
  readonly id: string;
  readonly key: string;
  readonly secret: string;
}

/** A bad value, naming the variable; the app wraps it into server-kit's ConfigError. */
export class PusherConfigError extends Error {
  override readonly name = 'PusherConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

/**
 * App ids become part of bus topics (`pusher.<id>.<channel>`), so they keep to a
 * separator-free alphabet. Keys travel in `/app/{key}` and the `key:signature` auth
 * string, so they may not hold `:` or `/`.
 */
const APP_ID = /^[A-Za-z0-9_-]{1,64}$/;
const APP_KEY = /^[A-Za-z0-9_.-]{1,128}$/;
const MIN_SECRET = 8;

export class PusherApps {
  readonly #byKey = new Map<string, PusherApp>();
  readonly #byId = new Map<string, PusherApp>();

  constructor(apps: readonly PusherApp[]) {
    for (const app of apps) {
      this.#byKey.set(app.key, app);
      this.#byId.set(app.id, app);
    }
  }

  byKey(key: string): PusherApp | undefined {
    return this.#byKey.get(key);
  }

  byId(id: string): PusherApp | undefined {
    return this.#byId.get(id);
  }

  get size(): number {
    return this.#byId.size;
  }

  list(): PusherApp[] {
    return [...this.#byId.values()];
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const SINGLE = ['PUSHER_APP_ID', 'PUSHER_APP_KEY', 'PUSHER_APP_SECRET'] as const;

/** Reads the apps; `undefined` when none is configured. Throws PusherConfigError. */
export function parsePusherApps(env: Env): PusherApps | undefined {
  const list = env.PUSHER_APPS?.trim();
  const single = SINGLE.filter((name) => (env[name] ?? '') !== '');
  if (list) {
    if (single.length > 0) {
      throw new PusherConfigError('PUSHER_APPS', `set either PUSHER_APPS or ${SINGLE.join('/')}, not both`);
    }
    return new PusherApps(parseList(list));
  }
  if (single.length === 0) return undefined;
  const missing = SINGLE.find((name) => (env[name] ?? '') === '');
  if (missing) {
    throw new PusherConfigError(missing, `is required when ${single.join(', ')} ${single.length > 1 ? 'are' : 'is'} set`);
  }
  const app = { id: env.PUSHER_APP_ID ?? '', key: env.PUSHER_APP_KEY ?? '', secret: env.PUSHER_APP_SECRET ?? '' };
  checkApp(app, (field) => `PUSHER_APP_${field.toUpperCase()}`, '');
  return new PusherApps([app]);
}

function parseList(text: string): PusherApp[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PusherConfigError('PUSHER_APPS', 'is not valid JSON (expected a list of {"id","key","secret"})');
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new PusherConfigError('PUSHER_APPS', 'must be a non-empty JSON list of {"id","key","secret"}');
  }
  const apps: PusherApp[] = [];
  const ids = new Set<string>();
  const keys = new Set<string>();
  value.forEach((item: unknown, index) => {
    const where = `[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new PusherConfigError('PUSHER_APPS', `${where} must be an object {"id","key","secret"}`);
    }
    const raw = item as Record<string, unknown>;
    const unknownField = Object.keys(raw).find((k) => k !== 'id' && k !== 'key' && k !== 'secret');
    if (unknownField !== undefined) {
      throw new PusherConfigError('PUSHER_APPS', `${where} has an unknown field "${unknownField}"`);
    }
    // Pusher dashboards show numeric app ids; accept them as numbers too.
    const id = typeof raw.id === 'number' && Number.isSafeInteger(raw.id) ? String(raw.id) : raw.id;
    const app = { id, key: raw.key, secret: raw.secret };
    checkApp(app, () => 'PUSHER_APPS', `${where}.`);
    if (ids.has(app.id)) throw new PusherConfigError('PUSHER_APPS', `${where}.id "${app.id}" is used twice`);
    if (keys.has(app.key)) throw new PusherConfigError('PUSHER_APPS', `${where}.key "${app.key}" is used twice`);
    ids.add(app.id);
    keys.add(app.key);
    apps.push(app);
  });
  return apps;
}

function checkApp(
  app: { id: unknown; key: unknown; secret: unknown },
  variable: (field: 'id' | 'key' | 'secret') => string,
  prefix: string,
): asserts app is PusherApp {
  const label = (field: 'id' | 'key' | 'secret') => (prefix ? `${prefix}${field} ` : '');
  if (typeof app.id !== 'string' || !APP_ID.test(app.id)) {
    throw new PusherConfigError(variable('id'), `${label('id')}must be 1-64 of A-Z a-z 0-9 _ -`);
  }
  if (typeof app.key !== 'string' || !APP_KEY.test(app.key)) {
    throw new PusherConfigError(variable('key'), `${label('key')}must be 1-128 of A-Z a-z 0-9 _ . -`);
  }
  if (typeof app.secret !== 'string' || app.secret.length < MIN_SECRET || /\s/.test(app.secret)) {
    throw new PusherConfigError(variable('secret'), `${label('secret')}must be at least ${MIN_SECRET} characters without spaces`);
  }
}
