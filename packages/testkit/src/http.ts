import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface PublishAnswer {
  id?: string;
  ids?: string[];
  error?: { code: string; message: string };
}

/** POST /publish with `body` as given (a string is sent verbatim); status and parsed answer. */
export async function postPublish(
  base: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: PublishAnswer }> {
  const response = await fetch(`${base}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as PublishAnswer };
}

/** Publishes one event; its id on 202, undefined on any refusal or failure (for loops through outages). */
export async function publishEvent(base: string, topic: string, data: unknown): Promise<string | undefined> {
  try {
    const { status, body } = await postPublish(base, { topic, data });
    return status === 202 && typeof body.id === 'string' ? body.id : undefined;
  } catch {
    return undefined;
  }
}

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A plain node:http request: unlike fetch it sends Origin and other headers as given. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}
