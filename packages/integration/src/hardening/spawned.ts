import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { appEntry, type AppName } from '../test/service.js';
import { freePort, sleep, waitUntil } from '../test/wait.js';

const running = new Set<Spawned>();

/**
 * One service process, like test/service.ts's Service, plus what hardening needs:
 * its pid (RSS, open fds, signals) and its whole stdout (the log-redaction check).
 */
export class Spawned {
  stdout = '';
  stderr = '';
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  private constructor(
    readonly app: AppName,
    readonly port: number,
    env: Record<string, string>,
  ) {
    this.#child = spawn(process.execPath, [appEntry(app)], {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    running.add(this);
    void this.#exited.then(() => running.delete(this));
  }

  static async start(app: AppName, env: Record<string, string> = {}): Promise<Spawned> {
    const service = new Spawned(app, await freePort(), env);
    await waitUntil(async () => {
      if (service.exited) throw new Error(`${app} exited during start-up:\n${service.stdout}${service.stderr}`);
      return (await service.status('/healthz')) === 200;
    }, 30_000, `${app} to listen`);
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
    await waitUntil(async () => (await this.status('/readyz')) === 200, timeoutMs, `${this.app} /readyz 200`);
  }

  /** The sum of a metric's samples on /metrics (all label sets). */
  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.http}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }

  /** SIGTERM (drain) and wait; SIGKILL if it does not exit in time. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 15_000);
    await this.#exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (!this.exited) this.#child.kill('SIGKILL');
    await this.#exited;
  }
}

export async function killAllSpawned(): Promise<void> {
  await Promise.all([...running].map((s) => s.kill()));
}

/** VmRSS of a process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** The median of a few RSS samples: one GC in progress does not decide the figure. */
export async function medianRss(pid: number, samples = 5): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(200);
    values.push(rssBytes(pid));
  }
  return values.sort((a, b) => a - b)[Math.floor(samples / 2)]!;
}

/** Open file descriptors of a process (sockets included). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export const MiB = 1024 * 1024;
