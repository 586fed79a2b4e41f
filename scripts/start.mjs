#!/usr/bin/env node
// `pnpm start`: runs the built chat gateway and event stream (one process, one bus:
// see services.mjs) and the demo page, prints their URLs, and stops both on Ctrl-C
// (or when one of them dies).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const host = process.env.HOST ?? '127.0.0.1';
const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
const gatewayPort = process.env.GATEWAY_PORT ?? '8080';
const streamPort = process.env.STREAM_PORT ?? '8088';
const webPort = process.env.WEB_PORT ?? '5173';

const services = [
  {
    name: 'chat-gateway + event-stream',
    cmd: process.execPath,
    args: [join(root, 'scripts/services.mjs')],
    env: { GATEWAY_PORT: gatewayPort, STREAM_PORT: streamPort },
    built: [join(root, 'apps/chat-gateway/dist/index.js'), join(root, 'apps/event-stream/dist/index.js')],
  },
  {
    name: 'web',
    cmd: process.execPath,
    args: [join(root, 'packages/web/node_modules/vite/bin/vite.js'), 'preview', '--port', webPort, '--strictPort', '--host', host],
    cwd: join(root, 'packages/web'),
    env: {},
  },
];

for (const s of services) {
  for (const file of s.built ?? [s.args[0]]) {
    if (!existsSync(file)) {
      console.error(`start: ${file} is missing; run \`pnpm build\` first`);
      process.exit(1);
    }
  }
}

const children = [];
let stopping = false;

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => process.exit(code), 11_000);
  timer.unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() =>
    process.exit(code),
  );
}

for (const s of services) {
  const child = spawn(s.cmd, s.args, {
    cwd: s.cwd ?? root,
    env: { ...process.env, ...s.env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`start: ${s.name} exited (${signal ?? code}); stopping the others`);
      stopAll(code === 0 ? 1 : (code ?? 1));
    }
  });
  children.push(child);
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

const query =
  gatewayPort === '8080' && streamPort === '8088'
    ? ''
    : `?gateway=ws://${shownHost}:${gatewayPort}/ws&stream=http://${shownHost}:${streamPort}`;
console.log(`
Herald is starting (bus: ${process.env.REDIS_URL ? 'Redis' : 'in-memory, shared by both services'}):
  demo page      http://${shownHost}:${webPort}/${query}
  chat gateway   ws://${shownHost}:${gatewayPort}/ws   (raw, seed-compatible: ws://${shownHost}:${gatewayPort}/)
  event stream   http://${shownHost}:${streamPort}/sse?topic=time   (publish: POST http://${shownHost}:${streamPort}/publish)
Ctrl-C stops everything.
`);
