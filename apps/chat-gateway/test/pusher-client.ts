import * as PusherJs from 'pusher-js';
import type PusherJsClass from 'pusher-js/types/src/core/pusher.js';
import PusherServer from 'pusher';

// pusher-js is CommonJS: under Node's ESM its class is the module's `default`, which
// its typings (written for bundlers) describe one level further down.
type Pusher = PusherJsClass.default;
const PusherClass = (PusherJs as unknown as { default: typeof PusherJsClass.default }).default;

/* The real third-party clients against a test gateway: pusher-js (its Node build) and the pusher server SDK. */

export const APP = { id: 'app1', key: 'app-key', secret: 'app-secret-0123456789' } as const;
export const PUSHER_ENV = { PUSHER_APP_ID: APP.id, PUSHER_APP_KEY: APP.key, PUSHER_APP_SECRET: APP.secret };

const opened = new Set<Pusher>();

/** The pusher SDK pointed at a gateway (for authorizeChannel / authenticateUser and, later, triggers). */
export function serverSdk(gateway: { port: number }): PusherServer {
  return new PusherServer({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1', port: String(gateway.port), useTLS: false });
}

export interface ClientOptions {
  key?: string;
  /** Presence member data the auth endpoint signs: `{user_id, user_info}`. */
  member?: { user_id: string; user_info?: Record<string, unknown> };
  /** Sign for this socket id instead of the client's own (a forged or replayed auth). */
  signFor?: string;
  /** The user `client.signin()` authenticates as (through the SDK's authenticateUser). */
  user?: { id: string; [key: string]: unknown };
}

/** A pusher-js client on `gateway`, authorizing private/presence channels through the pusher SDK as an app's auth endpoint would. */
export function pusherClient(gateway: { port: number }, options: ClientOptions = {}): Pusher {
  const sdk = serverSdk(gateway);
  const client = new PusherClass(options.key ?? APP.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: gateway.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: ({ socketId, channelName }: { socketId: string; channelName: string }, callback: (err: Error | null, auth: PusherServer.ChannelAuthResponse | null) => void) => {
        try {
          // Presence data only for presence channels, as Laravel's broadcaster and Pusher's docs do.
          const member = channelName.startsWith('presence-') ? options.member : undefined;
          callback(null, sdk.authorizeChannel(options.signFor ?? socketId, channelName, member));
        } catch (err) {
          callback(err as Error, null);
        }
      },
    },
    userAuthentication: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: ({ socketId }: { socketId: string }, callback: (err: Error | null, auth: PusherServer.UserAuthResponse | null) => void) => {
        if (!options.user) return callback(new Error('no user for this client'), null);
        callback(null, sdk.authenticateUser(socketId, options.user));
      },
    },
  });
  opened.add(client);
  return client;
}

export function disconnectAllPusherClients(): void {
  for (const client of opened) client.disconnect();
  opened.clear();
}

/** Resolves once `client` is connected. */
export function connected(client: Pusher): Promise<string> {
  return new Promise((resolve, reject) => {
    if (client.connection.state === 'connected') return resolve(client.connection.socket_id);
    client.connection.bind('connected', () => resolve(client.connection.socket_id));
    client.connection.bind('failed', () => reject(new Error('pusher-js failed to connect')));
  });
}

/** Subscribes and resolves once subscription_succeeded arrived (with its data), or rejects on subscription_error. */
export function subscribed(client: Pusher, channelName: string): Promise<{ channel: ReturnType<Pusher['subscribe']>; data: unknown }> {
  const channel = client.subscribe(channelName);
  return new Promise((resolve, reject) => {
    channel.bind('pusher:subscription_succeeded', (data: unknown) => resolve({ channel, data }));
    channel.bind('pusher:subscription_error', (error: unknown) => reject(Object.assign(new Error('subscription_error'), { detail: error })));
  });
}
