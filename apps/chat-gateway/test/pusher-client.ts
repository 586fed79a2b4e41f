import { disconnectPusherClients, pusherConnected, pusherJsClient, pusherSdk, type PusherClientOptions, type PusherJsClient } from '@herald/testkit';
import type PusherServer from 'pusher';
import { startGateway, type TestGateway } from './gateway.js';

/* The gateway's Pusher tests: one app, a gateway configured with it, and the real clients on it (testkit pusher.ts). */

export const APP = { id: 'app1', key: 'app-key', secret: 'app-secret-0123456789' } as const;
export const PUSHER_ENV = { PUSHER_APP_ID: APP.id, PUSHER_APP_KEY: APP.key, PUSHER_APP_SECRET: APP.secret };

export type PusherGateway = TestGateway & { port: number };

/** An in-process gateway with the app configured (and `env` on top). */
export async function gatewayWithPusher(env: Record<string, string> = {}): Promise<PusherGateway> {
  const gateway = await startGateway({ ...PUSHER_ENV, ...env });
  return Object.assign(gateway, { port: Number(new URL(gateway.http).port) });
}

export function serverSdk(gateway: { port: number }): PusherServer {
  return pusherSdk(APP, gateway.port);
}

export function pusherClient(gateway: { port: number }, options: PusherClientOptions = {}): PusherJsClient {
  return pusherJsClient(APP, gateway.port, options);
}

export const disconnectAllPusherClients = disconnectPusherClients;
export const connected = pusherConnected;

/** Subscribes and resolves once subscription_succeeded arrived (with its data), or rejects on subscription_error. */
export function subscribed(client: PusherJsClient, channelName: string): Promise<{ channel: ReturnType<PusherJsClient['subscribe']>; data: unknown }> {
  const channel = client.subscribe(channelName);
  return new Promise((resolve, reject) => {
    channel.bind('pusher:subscription_succeeded', (data: unknown) => resolve({ channel, data }));
    channel.bind('pusher:subscription_error', (error: unknown) => reject(Object.assign(new Error('subscription_error'), { detail: error })));
  });
}
