import { connect } from 'node:net';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError, httpErrorsPlugin, HttpErrorCodes, unavailable } from './http-errors.js';
import { httpTimeoutOptions } from './http-timeouts.js';

const apps: Array<ReturnType<typeof Fastify>> = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start() {
  const app = Fastify({ ...httpTimeoutOptions({ requestMs: 300, checkIntervalMs: 100 }) });
  apps.push(app);
  await app.register(httpErrorsPlugin);
  app.get('/teapot', async () => {
    throw new HttpError(429, 'slow down');
  });
  app.get('/busy', async () => {
    throw unavailable('message bus unavailable');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { app, port: address.port };
}

function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('one HTTP error shape', () => {
  it('has a code for every status either service answers', () => {
    for (const status of [400, 401, 403, 404, 408, 413, 415, 429, 503]) expect(Object.hasOwn(HttpErrorCodes, status)).toBe(true);
  });

  it('answers a thrown HttpError and an unknown route with {"error":{"code","message"}}', async () => {
    const { app } = await start();
    const limited = await app.inject('/teapot');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ error: { code: 'rate_limited', message: 'slow down' } });
    const missing = await app.inject('/nowhere?x=1');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /nowhere' } });
    expect(limited.headers['retry-after']).toBeUndefined();
  });

  it('answers every 503 with Retry-After, so clients and proxies back off and retry', async () => {
    const { app } = await start();
    const busy = await app.inject('/busy');
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.json()).toEqual({ error: { code: 'unavailable', message: 'message bus unavailable' } });
  });

  it('answers a request Node refuses (malformed, or not complete in time) in the same shape', async () => {
    const { port } = await start();
    const malformed = await rawRequest(port, 'NOT HTTP\r\n\r\n');
    expect(malformed).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(malformed.split('\r\n\r\n')[1]!)).toEqual({ error: { code: 'bad_request', message: 'malformed HTTP request' } });
    const huge = await rawRequest(port, `GET /teapot HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(huge.split('\r\n\r\n')[1]!).error.code).toBe('headers_too_large');
    const slow = await rawRequest(port, 'GET /teapot HTTP/1.1\r\nHost: x\r\n');
    expect(slow).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(slow.split('\r\n\r\n')[1]!).error.code).toBe('request_timeout');
  });
});
