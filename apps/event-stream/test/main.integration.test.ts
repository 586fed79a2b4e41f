import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SseReader, waitUntil } from '@herald/testkit';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const children: ChildProcess[] = [];

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

beforeAll(() => {
  // `pnpm test` builds first (turbo); running vitest alone needs `pnpm build`.
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`pnpm --filter @herald/event-stream build\` first`);
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('node dist/main.js', () => {
  it.each([
    ['PORT', 'eighty'],
    ['PUBLISH_TOKEN', 'too-short'],
    ['RETRY_MS', '-5'],
    ['TIME_INTERVAL_MS', '1.5'],
    ['CORS_ORIGINS', 'http://ok.test/path'],
  ])('stops on a bad %s with one line naming it', async (name, value) => {
    const service = run({ [name]: value });
    expect(await service.exit).not.toBe(0);
    const lines = service.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(name);
    expect(service.stdout()).toBe('');
  });

  it('serves, then on SIGTERM ends its streams and exits 0', async () => {
    const service = run({ LOG_LEVEL: 'info' });
    const url = await waitUntil(() => /"sse":"(http:\/\/[^"]+)\/sse"/.exec(service.stdout())?.[1], { message: 'the listening line' });
    const reader = await SseReader.open(`${url}/sse?topic=a`);
    expect(reader.status).toBe(200);
    await waitUntil(() => reader.raw.length > 0, { message: 'the stream to open' });
    service.child.kill('SIGTERM');
    expect(await service.exit).toBe(0);
    await reader.waitForEnd();
    expect(reader.complete).toBe(true);
    for (const line of service.stdout().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('still exits 0 on SIGTERM after whoever read its stdout went away (EPIPE)', async () => {
    const service = run({ LOG_LEVEL: 'info' });
    await waitUntil(() => /"sse":"http:/.test(service.stdout()), { message: 'the listening line' });
    // Close our end of the pipe: every later log line hits EPIPE, as when a log
    // shipper dies or `node dist/main.js | head` has read enough.
    service.child.stdout!.destroy();
    service.child.kill('SIGTERM');
    expect(await service.exit).toBe(0);
  });
});
