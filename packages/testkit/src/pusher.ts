import * as PusherJs from 'pusher-js';
import type PusherJsClass from 'pusher-js/types/src/core/pusher.js';
import PusherServer from 'pusher';

/* The real third-party Pusher clients, set up against a Herald gateway: pusher-js (its Node build) and the pusher server SDK. */

// pusher-js is CommonJS: under Node's ESM its class is the module's `default`, which
// its typings (written for bundlers) describe one level further down.
export type PusherJsClient = PusherJsClass.default;
const PusherClass = (PusherJs as unknown as { default: typeof PusherJsClass.default }).default;

export interface PusherTestApp {
  readonly id: string;
  readonly key: string;
  readonly secret: string;
}

/** The pusher server SDK on a gateway's port: an app's auth endpoint, and its HTTP API. */
export function pusherSdk(app: PusherTestApp, port: number): PusherServer {
  return new PusherServer({ appId: app.id, key: app.key, secret: app.secret, host: '127.0.0.1', port: String(port), useTLS: false });
}

export interface PusherClientOptions {
  /** Connect with this key instead of the app's (an unknown app). */
  key?: string;
  /** The presence member the auth endpoint signs: `{user_id, user_info}`. */
  member?: { user_id: string; user_info?: Record<string, unknown> };
  /** Sign for this socket id instead of the client's own (a forged or replayed auth). */
  signFor?: string;
  /** The user `client.signin()` authenticates as (the SDK's authenticateUser). */
  user?: { id: string; [key: string]: unknown };
}

const opened = new Set<PusherJsClient>();

/**
 * pusher-js on a gateway, configured as an app configures it for Herald, with the SDK
 * standing in for the app's auth endpoint: presence data only for presence channels,
 * as Laravel's broadcaster and Pusher's docs do.
 */
export function pusherJsClient(app: PusherTestApp, port: number, options: PusherClientOptions = {}): PusherJsClient {
  const sdk = pusherSdk(app, port);
  const client = new PusherClass(options.key ?? app.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: ({ socketId, channelName }, callback) => {
        const member = channelName.startsWith('presence-') ? options.member : undefined;
        try {
          callback(null, sdk.authorizeChannel(options.signFor ?? socketId, channelName, member));
        } catch (err) {
          callback(err as Error, null);
        }
      },
    },
    userAuthentication: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: ({ socketId }, callback) => {
        if (!options.user) return callback(new Error('no user for this client'), null);
        callback(null, sdk.authenticateUser(socketId, options.user));
      },
    },
  });
  opened.add(client);
  return client;
}

/** For afterEach: disconnects every client pusherJsClient made. */
export function disconnectPusherClients(): void {
  for (const client of opened) client.disconnect();
  opened.clear();
}

/** Resolves with the socket id once `client` is connected. */
export function pusherConnected(client: PusherJsClient): Promise<string> {
  return new Promise((resolve, reject) => {
    if (client.connection.state === 'connected') return resolve(client.connection.socket_id);
    client.connection.bind('connected', () => resolve(client.connection.socket_id));
    client.connection.bind('failed', () => reject(new Error('pusher-js failed to connect')));
  });
}
