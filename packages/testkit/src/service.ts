import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { waitUntil } from './wait.js';

/** The repository root (this file is packages/testkit/{src,dist}/service.*). */
export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export type AppName = 'chat-gateway' | 'event-stream';

export function appEntry(app: AppName): string {
  return join(REPO_DIR, 'apps', app, 'dist', 'main.js');
}

/** The apps run from their build: a missing build is a setup error, said plainly. */
export function assertAppsBuilt(apps: readonly AppName[] = ['chat-gateway', 'event-stream']): void {
  for (const app of apps) {
    if (!existsSync(appEntry(app))) throw new Error(`${appEntry(app)} is missing: run \`pnpm build\` first`);
  }
}

export interface ServiceOptions {
  /** Reuse a port (a restart on the same address); a free one otherwise. */
  port?: number;
  /** Pass this process's environment on (the default passes PATH only). */
  inheritEnv?: boolean;
}

const running = new Set<Service>();

/**
 * One real service process (`node apps/<app>/dist/main.js`), configured by
 * environment only, on a port of its own. `output` keeps the tail of both
 * streams interleaved; `stdout` and `stderr` keep each whole.
 */
export class Service {
  output = '';
  stdout = '';
  stderr = '';
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;

  private constructor(
    readonly app: AppName,
    readonly port: number,
    env: Record<string, string>,
    inheritEnv: boolean,
  ) {
    const base = inheritEnv ? process.env : { PATH: process.env.PATH ?? '' };
    this.#child = spawn(process.execPath, [appEntry(app)], {
      cwd: REPO_DIR,
      env: { ...base, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    this.#child.stdout!.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      collect(chunk);
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      collect(chunk);
    });
    this.#exited = new Promise((r) => this.#child.once('exit', (code) => r(code)));
    running.add(this);
    void this.#exited.then(() => running.delete(this));
  }

  /** Starts the app and waits until it answers /healthz (ready or not). */
  static async start(app: AppName, env: Record<string, string> = {}, options: ServiceOptions = {}): Promise<Service> {
    assertAppsBuilt([app]);
    const port = options.port ?? (await freePort());
    const service = new Service(app, port, env, options.inheritEnv ?? false);
    try {
      await waitUntil(
        async () => {
          if (service.exited) throw new Error(`${app} exited during start-up`);
          return (await service.status('/healthz')) === 200;
        },
        { timeoutMs: 60_000, intervalMs: 50, message: `${app} to listen` },
      );
    } catch (err) {
      await service.kill();
      throw new Error(`${(err as Error).message}\n--- ${app} output ---\n${service.output}`);
    }
    return service;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get http(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get ws(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get exited(): boolean {
    return this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  /** HTTP status of a GET, or 0 when nothing answers. */
  async status(path: string): Promise<number> {
    try {
      const res = await fetch(`${this.http}${path}`, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    await waitUntil(async () => (await this.status('/readyz')) === 200, { timeoutMs, message: `${this.app} /readyz 200` });
  }

  /** The sum of a metric's samples on /metrics (all label sets). */
  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.http}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }

  /** kill -9: no drain, no goodbye. */
  async kill(): Promise<void> {
    if (!this.exited) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /** SIGTERM (drain), SIGKILL if it does not exit in time; the exit code (0 after a clean drain). */
  async stop(): Promise<number | null> {
    if (!this.exited) {
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 20_000);
      await this.#exited;
      clearTimeout(timer);
    }
    return this.#exited;
  }
}

/** Every process still running: for afterAll, whatever happened in the tests. */
export async function stopAllServices(): Promise<void> {
  await Promise.all([...running].map((s) => s.kill()));
}
