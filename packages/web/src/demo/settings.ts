/** Where the demo finds the two services: defaults on this host, or ?gateway=…&stream=…. */
export interface ServiceUrls {
  gateway: string;
  stream: string;
  /** Query values that were ignored, with why. */
  warnings: string[];
}

function pick(value: string | null, protocols: string[], fallback: string, name: string, warnings: string[]): string {
  if (value === null || value.trim() === '') return fallback;
  try {
    const url = new URL(value.trim());
    if (protocols.includes(url.protocol)) return url.toString();
  } catch {
    // reported below
  }
  warnings.push(`?${name}=${value} is not a ${protocols.join(' or ')} URL; using ${fallback}`);
  return fallback;
}

export function serviceUrls(search: string, hostname: string): ServiceUrls {
  const params = new URLSearchParams(search);
  const host = hostname || 'localhost';
  const warnings: string[] = [];
  return {
    gateway: pick(params.get('gateway'), ['ws:', 'wss:'], `ws://${host}:8080/ws`, 'gateway', warnings),
    stream: pick(params.get('stream'), ['http:', 'https:'], `http://${host}:8088`, 'stream', warnings),
    warnings,
  };
}

/** The page URL that applies new service URLs (other query parameters are kept). */
export function settingsHref(current: string, gateway: string, stream: string): string {
  const url = new URL(current);
  url.searchParams.set('gateway', gateway);
  url.searchParams.set('stream', stream);
  return url.toString();
}

/** `?token=` of the page, trimmed; undefined when absent or blank. */
export function pageToken(search: string): string | undefined {
  const token = new URLSearchParams(search).get('token')?.trim();
  return token ? token : undefined;
}

/**
 * The feed's SSE URL: with a token, `/sse?token=…` (EventSource cannot send an
 * Authorization header; the service reads ?token= and keeps it out of its logs).
 */
export function feedUrl(stream: string, token: string | undefined): string {
  if (token === undefined) return stream;
  const url = new URL(stream);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/sse';
  url.searchParams.set('token', token);
  return url.toString();
}
