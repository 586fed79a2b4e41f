import { get, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeAll, startServer, type TestServer } from './stream.js';
import { fastPaths } from '../src/node-private.js';

/**
 * node-private.ts reads and writes internals of Node and Fastify; each access
 * degrades silently to the public path when an upgrade moves them. These streams
 * run on a real socket and fail when a fast path stops being taken.
 */

let server: TestServer;
let bus: TestServer['bus'];
let port: number;

beforeEach(async () => {
  server = await startServer();
  ({ bus, port } = server);
});

afterEach(closeAll);

/** Resolves with the body read so far once it contains `needle`. */
function readUntil(stream: NodeJS.ReadableStream, needle: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes(needle)) resolve(text);
    });
    stream.on('error', reject);
    stream.on('end', () => reject(new Error(`stream ended before ${JSON.stringify(needle)}: ${text}`)));
  });
}

function openStream(path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get({ host: '127.0.0.1', port, path }, resolve).on('error', reject));
}

describe('fenced fast paths on a live HTTP/1.1 stream', () => {
  it('flattens the sent head, lets go of Fastify, and writes shared bytes straight to the socket', async () => {
    const before = { ...fastPaths };
    const res = await openStream('/sse?topic=fence');
    expect(res.statusCode).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    // The head went out in the same turn as the rest of the start, so all of it ran.
    expect(fastPaths.headsFlattened - before.headsFlattened).toBe(1);
    expect(fastPaths.fastifyListenersReleased - before.fastifyListenersReleased).toBe(1);

    const body = readUntil(res, 'data: {"n":2}');
    await bus.publish('fence', JSON.stringify({ n: 1 }));
    await bus.publish('fence', JSON.stringify({ n: 2 }));
    // Node's client parses the chunked framing: a bad hand-made chunk would fail here.
    expect(await body).toMatch(/data: \{"n":1\}\n\n[^]*data: \{"n":2\}\n\n/);
    expect(fastPaths.socketWrites - before.socketWrites).toBeGreaterThanOrEqual(1);
    res.destroy();
  });
});

describe('the public path where the fast one does not apply', () => {
  it('writes an HTTP/1.0 stream (no chunked encoding) through the response, not the socket', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /sse?topic=old HTTP/1.0\r\nHost: x\r\n\r\n');
    const head = readUntil(socket, 'retry:');
    expect(await head).toMatch(/^HTTP\/1\.1 200 /);
    const before = { ...fastPaths };
    const body = readUntil(socket, 'data: {"n":1}');
    await bus.publish('old', JSON.stringify({ n: 1 }));
    const text = await body;
    expect(text).not.toMatch(/transfer-encoding: chunked/i);
    expect(fastPaths.socketWrites).toBe(before.socketWrites);
    socket.destroy();
  });
});
