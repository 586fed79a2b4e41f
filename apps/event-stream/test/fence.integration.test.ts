import { get, type IncomingMessage } from 'node:http';
import { connect, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@herald/testkit';
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
  it('takes the socket over from node:http after the head, lets go of Fastify, and frames chunks Node\'s client parses', async () => {
    const before = { ...fastPaths };
    let serverSide: Socket | undefined;
    server.app.server.once('connection', (socket: Socket) => (serverSide = socket));
    const res = await openStream('/sse?topic=fence');
    expect(res.statusCode).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    // The head went out in the same turn as the rest of the start, so all of it ran.
    expect(fastPaths.socketsTakenOver - before.socketsTakenOver).toBe(1);
    expect(fastPaths.fastifyListenersReleased - before.fastifyListenersReleased).toBe(1);
    // Taken over, the response is let go: its head is not kept, so not flattened.
    expect(fastPaths.headsFlattened).toBe(before.headsFlattened);
    // What node:http held for a next request is gone from the socket: its parser, its
    // listeners (only the hub's hang-up reads now) and its per-socket method wrappers.
    const socket = serverSide!;
    expect((socket as unknown as { parser: unknown }).parser).toBeNull();
    expect(socket.listeners('data').map((fn) => fn.name)).toEqual(['hangUp']);
    expect(socket.on).toBe(Socket.prototype.on);
    expect(socket.addListener).toBe(Socket.prototype.addListener);

    const body = readUntil(res, 'data: {"n":2}');
    await bus.publish('fence', JSON.stringify({ n: 1 }));
    await bus.publish('fence', JSON.stringify({ n: 2 }));
    // Node's client parses the chunked framing: a bad hand-made chunk would fail here.
    expect(await body).toMatch(/data: \{"n":1\}\n\n[^]*data: \{"n":2\}\n\n/);
    res.destroy();
    await waitUntil(() => server.app.sseHub.stats().streams === 0, { message: 'the stream to be released when its client left' });
  });

  it('ends a taken-over stream with the last chunk (a complete body), then closes the connection', async () => {
    const res = await openStream('/sse?topic=fence-end');
    const ended = new Promise<string>((resolve, reject) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    const closed = new Promise<void>((resolve) => res.socket.once('close', () => resolve()));
    await waitUntil(() => server.app.sseHub.stats().streams === 1, { message: 'the stream to open' });
    server.app.sseHub.endAll();
    // 'end' on the message means Node's parser saw the zero-size chunk, not a cut connection.
    expect(await ended).toMatch(/^retry: /);
    expect(res.complete).toBe(true);
    await closed;
  });

  it('hangs up on a client that sends anything after its request (a pipelined request is never answered)', async () => {
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write('GET /sse?topic=pipelined HTTP/1.1\r\nHost: x\r\n\r\n');
    await readUntil(socket, 'retry:');
    await waitUntil(() => server.app.sseHub.stats().streams === 1, { message: 'the stream to open' });
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    await waitUntil(() => server.app.sseHub.stats().streams === 0, { message: 'the stream to be released' });
  });
});

describe('a taken-over stream whose client half-closes', () => {
  it('is released at once, not at the next failed write', async () => {
    // allowHalfOpen: the client's side stays open for reading after its FIN.
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write('GET /sse?topic=half HTTP/1.1\r\nHost: x\r\n\r\n');
    await readUntil(socket, 'retry:');
    await waitUntil(() => server.app.sseHub.stats().streams === 1, { message: 'the stream to open' });
    socket.end();
    await closed;
    await waitUntil(() => server.app.sseHub.stats().streams === 0, { message: 'the stream to be released' });
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
    expect(fastPaths.socketsTakenOver).toBe(before.socketsTakenOver);
    socket.destroy();
  });
});
