import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'stalled-client.mjs');
const live = new Set<ChildProcess>();

/** stalled-client.mjs as a child process, with what it has reported so far. */
export class StalledClient {
  readonly ids: string[] = [];
  readonly closes: Array<number | string> = [];
  opens = 0;
  readonly #child: ChildProcess;

  constructor(mode: 'ws' | 'sse', base: string, name: string) {
    this.#child = spawn(process.execPath, [SCRIPT, mode, base, name], { stdio: ['ignore', 'pipe', 'inherit'] });
    live.add(this.#child);
    this.#child.once('exit', () => live.delete(this.#child));
    let partial = '';
    this.#child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const report = JSON.parse(line) as { id?: string; open?: number; close?: number | string };
        if (report.id !== undefined) this.ids.push(report.id);
        if (report.open !== undefined) this.opens = report.open;
        if (report.close !== undefined) this.closes.push(report.close);
      }
    });
  }

  /** SIGSTOP: the process, and so the reading of its socket, stops. */
  stop(): void {
    this.#child.kill('SIGSTOP');
  }

  resume(): void {
    this.#child.kill('SIGCONT');
  }

  kill(): void {
    this.#child.kill('SIGKILL');
  }
}

export function killStalledClients(): void {
  for (const child of live) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
}
