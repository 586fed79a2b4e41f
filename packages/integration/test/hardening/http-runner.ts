import { request } from 'node:http';
import { connect } from 'node:net';
import type { Failure } from './chat-runner.js';
import type { HttpCase, RawCase } from './sse-corpus.js';

interface Outcome {
  status: number;
  contentType: string;
  body: string;
}

const MAX_KEPT = 64 * 1024;

/**
 * One request over a fresh connection. An SSE stream (200) is read up to its
 * first chunk and dropped; other bodies are read whole. Resolves on the response
 * even if the server stopped reading an oversize body and the upload then failed.
 */
function send(base: string, c: HttpCase): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = request({ host: url.hostname, port: url.port, method: c.method, path: c.path, headers: c.headers, agent: false });
    let settled = false;
    const timer = setTimeout(() => req.destroy(new Error('no response within 20 s')), 20_000);
    req.on('response', (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      let body = '';
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, contentType, body });
      };
      res.on('data', (chunk: Buffer) => {
        if (body.length < MAX_KEPT) body += chunk.toString();
        if (contentType.startsWith('text/event-stream')) finish();
      });
      res.on('end', finish);
      res.on('error', finish);
      res.on('close', finish);
    });
    req.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    });
    req.end(c.body);
  });
}

function judge(c: HttpCase, out: Outcome, ids: string[]): string | undefined {
  const { status, code } = c.expect;
  if (out.status !== status) return `expected ${status}, got ${out.status} ${out.body.slice(0, 160)}`;
  if (status === 200) {
    return out.contentType.startsWith('text/event-stream') && out.body.startsWith('retry:') ? undefined : `not an SSE stream: ${out.body.slice(0, 80)}`;
  }
  if (status === 202) {
    const parsed = JSON.parse(out.body) as { id?: string; ids?: string[] };
    ids.push(...(parsed.ids ?? (parsed.id === undefined ? [] : [parsed.id])));
    return parsed.id !== undefined || parsed.ids !== undefined ? undefined : `202 without ids: ${out.body}`;
  }
  if (code === undefined) return undefined;
  try {
    const parsed = JSON.parse(out.body) as { error?: { code?: unknown; message?: unknown } };
    if (parsed.error?.code !== code) return `expected code ${code}, got ${out.body.slice(0, 160)}`;
    const message = parsed.error.message;
    // Garbage is quoted back cut short, never whole.
    if (typeof message !== 'string' || message.length > 400) return `bad message in ${out.body.slice(0, 160)}`;
    return out.contentType.startsWith('application/json') ? undefined : `error as ${out.contentType}`;
  } catch {
    return `error body is not JSON: ${out.body.slice(0, 160)}`;
  }
}

/** Runs the cases `concurrency` at a time; returns the failures and the ids of every 202. */
export async function runHttpCases(base: string, cases: HttpCase[], concurrency = 8): Promise<{ failures: Failure[]; ids: string[] }> {
  const failures: Failure[] = [];
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      const problem = await send(base, c).then(
        (out) => judge(c, out, ids),
        (err: Error) => `request failed: ${err.message}`,
      );
      if (problem !== undefined) failures.push({ name: `${c.group}: ${c.name}`, problem });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { failures, ids };
}

/** Writes the bytes and reads the status line of whatever comes back. */
export function rawStatus(port: number, bytes: string | Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let head = '';
    const done = (status: number) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    const timer = setTimeout(() => done(0), 20_000);
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3}) /.exec(head);
      if (match) done(Number(match[1]));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => done(0));
  });
}

export async function runRawCases(port: number, cases: RawCase[]): Promise<Failure[]> {
  const failures: Failure[] = [];
  for (const c of cases) {
    const status = await rawStatus(port, c.request);
    if (status !== c.status) failures.push({ name: `raw: ${c.name}`, problem: `expected ${c.status}, got ${status || 'no response'}` });
  }
  return failures;
}
