import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { HTTP_TIMEOUT_DEFAULTS, httpTimeoutOptions } from './http-timeouts.js';

describe('httpTimeoutOptions', () => {
  it('bounds the time to send a request by default (Fastify alone leaves it unbounded)', () => {
    const options = httpTimeoutOptions();
    expect(options.requestTimeout).toBe(HTTP_TIMEOUT_DEFAULTS.requestMs);
    expect(options.http).toEqual({ headersTimeout: 30_000, connectionsCheckingInterval: 5_000 });
  });

  it('takes overrides', () => {
    expect(httpTimeoutOptions({ requestMs: 1000 })).toMatchObject({
      requestTimeout: 1000,
      http: { headersTimeout: 1000, connectionsCheckingInterval: 5_000 },
    });
  });

  it('reaches the Node server Fastify creates', async () => {
    const app = Fastify(httpTimeoutOptions({ requestMs: 2000, checkIntervalMs: 500 }));
    await app.ready();
    expect(app.server.requestTimeout).toBe(2000);
    expect(app.server.headersTimeout).toBe(2000);
    await app.close();
  });
});
