// Child processes of the bench: spawned pinned to a CPU when possible, always killed on
// the way out (normal end, error, Ctrl-C), and waited for with timeouts only.
import { spawn } from 'node:child_process';
import net from 'node:net';

const live = new Set();

function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping children`);
    killAll();
    process.exit(130);
  });
}

/**
 * Spawns `node <script>` on one CPU via `taskset -c <cpu>` (taskset execs node, so the pid
 * is node's), or unpinned when `cpu` is null.
 */
export function spawnNode(cpu, script, args, options) {
  const command = cpu === null ? process.execPath : 'taskset';
  const argv = cpu === null ? [script, ...args] : ['-c', String(cpu), process.execPath, script, ...args];
  const child = spawn(command, argv, options);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Resolves with the exit code (or signal); SIGTERM first, SIGKILL after `graceMs`. */
export function stopChild(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? child.signalCode);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
    child.kill('SIGTERM');
  });
}

/** A port that was free a moment ago on 127.0.0.1 (the server binds it right after). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value; throws naming `what` after `timeoutMs`. */
export async function waitFor(check, what, timeoutMs, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Keeps the last lines a child wrote, to show when it fails. */
export function tailOf(stream, max = 20) {
  const lines = [];
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    for (const line of parts) {
      lines.push(line);
      if (lines.length > max) lines.shift();
    }
  });
  return () => [...lines, partial].filter(Boolean).join('\n');
}
