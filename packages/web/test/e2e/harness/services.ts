import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { APP_MAIN, REPO_DIR, type AppName } from './paths.js';
import { GiveUp, waitFor } from './wait.js';

/** One service running as a real process (`node apps/<app>/dist/main.js`). */
export interface Service {
  readonly name: AppName;
  readonly port: number;
  readonly httpUrl: string;
  readonly output: () => string;
  /** SIGTERM, then the exit code (the contract says 0 after a drain). */
  stop(): Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Fails with a clear message when `pnpm build` has not produced the app. */
export function assertBuilt(app: AppName): void {
  if (!existsSync(APP_MAIN[app])) {
    throw new Error(`${APP_MAIN[app]} is missing: run \`pnpm build\` (turbo builds the apps before this package's tests)`);
  }
}

/**
 * Starts `app` and resolves once it answers /healthz. PORT 0 lets the OS pick a
 * free port, read back from the listen log line; pass a port to reuse one.
 */
export async function startService(app: AppName, env: Record<string, string> = {}, port = 0): Promise<Service> {
  assertBuilt(app);
  const child = spawn(process.execPath, [APP_MAIN[app]], {
    cwd: REPO_DIR,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const listening = await waitFor(`${app} to listen`, () => {
    if (exitCode !== undefined) throw new GiveUp(`${app} exited with ${exitCode}`);
    return /listening at http:\/\/[^:"\s]+:(\d+)/i.exec(output)?.[1];
  }, 60_000, 50).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n--- ${app} output ---\n${output}`);
  });
  const actualPort = Number(listening);
  const httpUrl = `http://127.0.0.1:${actualPort}`;
  await waitFor(`${app} /healthz`, async () => (await fetch(`${httpUrl}/healthz`)).ok, 30_000);
  return {
    name: app,
    port: actualPort,
    httpUrl,
    output: () => output,
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** For afterAll: nothing a test started outlives it, even when the test failed. */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Whether a TCP port on 127.0.0.1 can be listened on right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
