/**
 * Pusher's error and close codes (https://pusher.com/docs/channels/library_auth_reference/pusher-websockets-protocol/#error-codes).
 * pusher-js 8.x acts on the range, not the number (src/core/connection/protocol/protocol.ts,
 * getCloseAction): 4000 reconnect over TLS; 4001-4099 refused, never reconnect; 4100-4199
 * reconnect with backoff; 4200-4299 reconnect at once; 4300 and above refused. Codes below
 * 4000 other than 1002-1004 are ignored (no action).
 */
export const PusherCode = {
  /** Application only accepts TLS connections. */
  TLS_ONLY: 4000,
  /** Application does not exist (unknown key in `/app/{key}`). */
  APP_NOT_FOUND: 4001,
  APP_DISABLED: 4003,
  APP_OVER_CONNECTION_QUOTA: 4004,
  PATH_NOT_FOUND: 4005,
  INVALID_VERSION_FORMAT: 4006,
  UNSUPPORTED_PROTOCOL_VERSION: 4007,
  NO_PROTOCOL_VERSION: 4008,
  /** Connection is unauthorized (e.g. a user authentication timeout). */
  UNAUTHORIZED: 4009,
  /** Over capacity: the client reconnects with backoff. */
  OVER_CAPACITY: 4100,
  /** Generic reconnect immediately: sent on drain, so clients move to another instance. */
  RECONNECT: 4200,
  /** A ping was sent and no pong came back in time. */
  PONG_NOT_RECEIVED: 4201,
  /** Closed after inactivity. */
  CLOSED_AFTER_INACTIVITY: 4202,
  /** A client event was rejected due to the rate limit (sent as pusher:error, not a close). */
  CLIENT_EVENT_RATE_LIMITED: 4301,
} as const;

export type PusherCode = (typeof PusherCode)[keyof typeof PusherCode];

/** What pusher-js does when closed with `code`, mirroring its getCloseAction. */
export type CloseAction = 'tls_only' | 'refused' | 'backoff' | 'retry' | null;

export function closeAction(code: number): CloseAction {
  if (code < 4000) return code >= 1002 && code <= 1004 ? 'backoff' : null;
  if (code === 4000) return 'tls_only';
  if (code < 4100) return 'refused';
  if (code < 4200) return 'backoff';
  if (code < 4300) return 'retry';
  return 'refused';
}

/** Default close reasons, short enough for a WebSocket close frame (123 bytes). */
export const CLOSE_REASON: Readonly<Record<PusherCode, string>> = {
  4000: 'Application only accepts TLS connections',
  4001: 'Application does not exist',
  4003: 'Application disabled',
  4004: 'Application is over connection quota',
  4005: 'Path not found',
  4006: 'Invalid version string format',
  4007: 'Unsupported protocol version',
  4008: 'No protocol version supplied',
  4009: 'Connection is unauthorized',
  4100: 'Over capacity',
  4200: 'Server is restarting, reconnect',
  4201: 'Pong reply not received',
  4202: 'Closed after inactivity',
  4301: 'Client event rejected due to rate limit',
};

/** The protocol version this package speaks (`/app/{key}?protocol=7`). */
export const PROTOCOL_VERSION = 7;
