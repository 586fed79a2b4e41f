// The servers under test: Herald's two services, run as black boxes from their builds,
// and the naive baselines written the seed's way.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '../../..');

// Herald gets what the scenarios need and nothing from the caller's shell that would
// change what is measured (a REDIS_URL, auth, a publish token).
const HERALD_ENV = {
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  RATE_LIMIT: '0',
  MAX_BUFFERED_BYTES: String(64 * 1024 * 1024),
};
const CLEARED = ['REDIS_URL', 'AUTH_SECRET', 'PUBLISH_TOKEN', 'CORS_ORIGINS'];

export const TARGETS = {
  'herald-ws': {
    name: 'Herald chat-gateway',
    kind: 'herald',
    script: process.env.HERALD_CHAT_GATEWAY ?? path.join(REPO_ROOT, 'apps/chat-gateway/dist/main.js'),
    env: HERALD_ENV,
    readyPath: '/readyz',
  },
  'herald-sse': {
    name: 'Herald event-stream',
    kind: 'herald',
    script: process.env.HERALD_EVENT_STREAM ?? path.join(REPO_ROOT, 'apps/event-stream/dist/main.js'),
    env: HERALD_ENV,
    readyPath: '/readyz',
  },
  'naive-ws': {
    name: 'naive ws broadcast',
    kind: 'naive',
    script: path.join(here, 'servers/naive-ws.mjs'),
    env: { HOST: '127.0.0.1' },
    readyPath: null,
  },
  'naive-sse': {
    name: 'naive Express SSE hub',
    kind: 'naive',
    script: path.join(here, 'servers/naive-sse.mjs'),
    env: { HOST: '127.0.0.1' },
    readyPath: null,
  },
  'naive-sse-replay': {
    name: 'naive Express SSE hub with one-shot replay',
    kind: 'naive',
    script: path.join(here, 'servers/naive-sse-replay.mjs'),
    env: { HOST: '127.0.0.1' },
    readyPath: null,
  },
};

/** The Pusher app the pusher-fanout scenario connects to (load/pusher-load.mjs signs with it). */
export const PUSHER_APP = { id: 'bench', key: 'bench-key', secret: 'bench-secret-0123456789' };
const PUSHER_APP_ENV = { PUSHER_APP_ID: PUSHER_APP.id, PUSHER_APP_KEY: PUSHER_APP.key, PUSHER_APP_SECRET: PUSHER_APP.secret };

/** Which server each scenario runs against, per side. */
export function targetFor(scenario, side) {
  if (scenario === 'sse-replay' && side !== 'herald') return TARGETS['naive-sse-replay'];
  const transport = scenario.startsWith('ws-') || scenario.startsWith('pusher-') ? 'ws' : 'sse';
  return TARGETS[side === 'herald' ? `herald-${transport}` : `naive-${transport}`];
}

/**
 * What a scenario changes in its server's environment; `undefined` removes a variable
 * (the server's default applies). The replay scenario measures Herald as deployed:
 * the fan-out's 64 MiB MAX_BUFFERED_BYTES would make its replay pages 64 times larger
 * (stream-replay.ts replayPageSize) and hide what paging bounds; the whole history
 * must be kept for a resume from the start to be a replay of all REPLAY_N events.
 */
export function scenarioEnv(scenario, target, options) {
  if (target.kind !== 'herald') return {};
  // The Pusher fan-out's publisher sends client events: their per-connection rate limit off.
  if (scenario === 'pusher-fanout') return { ...PUSHER_APP_ENV, PUSHER_CLIENT_EVENT_RATE: '10000' };
  if (scenario !== 'sse-replay') return {};
  return { MAX_BUFFERED_BYTES: undefined, HISTORY_SIZE: String(Math.max(1000, options.replayN)) };
}

export function environmentFor(target, port, overrides = {}) {
  const env = { ...process.env, ...target.env, PORT: String(port) };
  if (target.kind === 'herald') for (const name of CLEARED) delete env[name];
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export function isBuilt(target) {
  return existsSync(target.script);
}
