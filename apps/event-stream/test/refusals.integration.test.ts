import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeAll, startServer, type TestServer } from './stream.js';

/** Refusals that Node itself makes, before Fastify routes, answer in the one error shape too. */

let server: TestServer;
let app: TestServer['app'];
let port: number;

beforeEach(async () => {
  server = await startServer({}, (b) => b, { requestMs: 300, checkIntervalMs: 100 });
  ({ app, port } = server);
});

afterEach(closeAll);

/** Sends `bytes`, then reads until the server closes the connection. */
function exchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

function bodyOf(response: string): unknown {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
}

describe('refusals before a route', () => {
  it('answers 408 with request_timeout to a stream request whose headers never finish', async () => {
    const answer = await exchange('GET /sse?topic=t HTTP/1.1\r\nHost: x\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toMatch(/\r\ncontent-type: application\/json/i);
    expect(bodyOf(answer)).toEqual({ error: { code: 'request_timeout', message: 'request not received in time' } });
    expect(app.sseHub.stats().streams).toBe(0);
  });

  it('answers 400 with bad_request to bytes that are not HTTP', async () => {
    const answer = await exchange('HELLO\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(answer)).toEqual({ error: { code: 'bad_request', message: 'malformed HTTP request' } });
  });
});
