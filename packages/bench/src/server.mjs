// Starts one server under test on CPU 0 and a free port, and knows when it is ready.
import http from 'node:http';
import { freePort, spawnNode, stopChild, tailOf, waitFor } from './children.mjs';
import { environmentFor } from './targets.mjs';

/** The HTTP status of GET path, or null when nothing answers yet. */
function statusOf(port, path) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

async function waitReady(child, port, target) {
  await waitFor(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`exited (${child.exitCode ?? child.signalCode}) before it was ready`);
      }
      // Herald says when it is ready; a baseline is ready as soon as it answers at all.
      const status = await statusOf(port, target.readyPath ?? '/');
      return target.readyPath ? status === 200 : status !== null;
    },
    `${target.name} on port ${port}`,
    20_000,
  );
}

/** Starts `target` with `envOverrides` (targets.mjs scenarioEnv) on `cpu` (null: unpinned). */
export async function startServer(target, cpu, envOverrides = {}) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawnNode(cpu, target.script, [], {
      env: environmentFor(target, port, envOverrides),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout = tailOf(child.stdout);
    const stderr = tailOf(child.stderr);
    const output = () => [stdout(), stderr()].filter(Boolean).join('\n');
    try {
      await waitReady(child, port, target);
      return {
        pid: child.pid,
        port,
        output,
        exited: () => child.exitCode !== null || child.signalCode !== null,
        // SIGTERM, then SIGKILL after `graceMs` (the storm lets a gateway drain).
        stop: (graceMs) => stopChild(child, graceMs),
      };
    } catch (error) {
      await stopChild(child, 1000);
      // Another process may have taken the free port between our probe and its bind.
      if (attempt < 3 && /EADDRINUSE/.test(output())) continue;
      throw new Error(`${target.name} did not start: ${error.message}${output() ? `\n${output()}` : ''}`);
    }
  }
}
