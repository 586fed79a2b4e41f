/**
 * The checks of `GET /app/{key}?protocol=7`, before any frame: which app, which protocol.
 * A refusal is sent as `pusher:error` then a close with the same code (Pusher sends
 * both; pusher-js acts on the close code's range, see codes.ts).
 */
import type { PusherApp, PusherApps } from './apps.js';
import { CLOSE_REASON, PROTOCOL_VERSION, PusherCode } from './codes.js';

export type ConnectResult = { ok: true; app: PusherApp } | { ok: false; code: PusherCode; reason: string };

const refuse = (code: PusherCode): ConnectResult => ({ ok: false, code, reason: CLOSE_REASON[code] });

export function checkConnect(apps: PusherApps, key: string, protocol: unknown): ConnectResult {
  const app = apps.byKey(key);
  if (app === undefined) return refuse(PusherCode.APP_NOT_FOUND);
  if (protocol === undefined || protocol === '') return refuse(PusherCode.NO_PROTOCOL_VERSION);
  if (typeof protocol !== 'string' || !/^\d{1,3}$/.test(protocol)) return refuse(PusherCode.INVALID_VERSION_FORMAT);
  if (Number(protocol) !== PROTOCOL_VERSION) return refuse(PusherCode.UNSUPPORTED_PROTOCOL_VERSION);
  return { ok: true, app };
}
