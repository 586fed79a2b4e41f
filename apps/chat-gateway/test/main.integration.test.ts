import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatTestClient } from '@herald/testkit';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const children: ChildProcess[] = [];

function run(env: Record<string, string>): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`pnpm --filter @herald/chat-gateway build\` first`);
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('dist/main.js', () => {
  it('exits non-zero with one line naming PORT when PORT is bad', async () => {
    const proc = run({ PORT: 'abc' });
    expect(await proc.exited).not.toBe(0);
    const lines = proc.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PORT/);
    expect(proc.stdout()).toBe('');
  });

  it('drains on SIGTERM: closes sockets with 1001 and exits 0', async () => {
    const proc = run({ PORT: '0', LOG_LEVEL: 'info' });
    const deadline = Date.now() + 20_000;
    let url: string | undefined;
    while (url === undefined) {
      if (Date.now() > deadline) throw new Error(`no listening line; stdout: ${proc.stdout()} stderr: ${proc.stderr()}`);
      url = /chat-gateway listening on (http:\/\/[^ "]+)/.exec(proc.stdout())?.[1];
      if (url === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const ws = url.replace(/^http/, 'ws');
    const { client } = await ChatTestClient.join(ws, 'alice', 'r1');
    const raw = await ChatTestClient.connect(`${ws}/`);

    proc.child.kill('SIGTERM');
    expect((await client.closed).code).toBe(1001);
    expect((await raw.closed).code).toBe(1001);
    expect(await proc.exited).toBe(0);
    // Every line on stdout is one JSON log record.
    for (const line of proc.stdout().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });
});
