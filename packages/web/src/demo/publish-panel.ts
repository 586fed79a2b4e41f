import { byId } from './dom.js';

/** POST /publish {topic, data}: from loopback no token is needed, else a Bearer token. */
export async function publishEvent(
  streamUrl: string,
  topic: string,
  data: unknown,
  token: string | undefined,
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetchImpl(new URL('/publish', streamUrl), {
    method: 'POST',
    headers,
    body: JSON.stringify({ topic, data }),
  });
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (!response.ok) {
    const reason = typeof record.message === 'string' ? record.message : typeof record.error === 'string' ? record.error : response.statusText;
    throw new Error(`HTTP ${response.status}: ${reason}`);
  }
  return typeof record.id === 'string' ? record.id : '?';
}

/** The data field: JSON when it parses, the plain text otherwise. */
export function parseData(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function mountPublish(streamUrl: string): void {
  const form = byId('publish-form', HTMLFormElement);
  const topic = byId('publish-topic', HTMLInputElement);
  const data = byId('publish-data', HTMLInputElement);
  const token = byId('publish-token', HTMLInputElement);
  const result = byId('publish-result', HTMLElement);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    result.textContent = 'Publishing…';
    delete result.dataset.ok;
    publishEvent(streamUrl, topic.value.trim(), parseData(data.value), token.value.trim() || undefined).then(
      (id) => {
        result.textContent = `Published to ${topic.value.trim()} as ${id}.`;
        result.dataset.ok = 'true';
      },
      (err: unknown) => {
        result.textContent = `Not published: ${err instanceof Error ? err.message : String(err)}`;
        result.dataset.ok = 'false';
      },
    );
  });
}
