import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertAppsBuilt, ChatTestClient, closeEverything, freePort, REPO_DIR, SseReader, waitUntil } from '@herald/testkit';

// `pnpm start`'s services process: both services, one process, one in-memory bus.
const SERVICES = resolve(REPO_DIR, 'scripts/services.mjs');

describe('pnpm start: both services in one process on one in-memory bus', () => {
  let child: ChildProcess;
  let output = '';
  let gateway: number;
  let stream: number;

  beforeAll(async () => {
    assertAppsBuilt();
    [gateway, stream] = [await freePort(), await freePort()];
    const env = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', GATEWAY_PORT: String(gateway), STREAM_PORT: String(stream) };
    child = spawn(process.execPath, [SERVICES], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`services exited during start-up:\n${output}`);
        const answers = await Promise.all(
          [gateway, stream].map((port) => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)),
        );
        return answers.every((status) => status === 200);
      },
      { timeoutMs: 30_000, message: 'both services ready' },
    );
  });

  afterAll(async () => {
    await closeEverything();
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('says it runs on the in-memory bus once, for both services', () => {
    expect(output.match(/bus: in-memory/g)).toHaveLength(1);
    expect(output).toContain('chat-gateway listening on');
    expect(output).toContain('event-stream listening on');
  });

  it('a chat room is readable over SSE as chat.<room>, from the JSON and the seed-mode clients', async () => {
    const sse = await SseReader.open(`http://127.0.0.1:${stream}/sse?topic=chat.lobby`);
    expect(sse.status).toBe(200);
    const alice = await ChatTestClient.named(`ws://127.0.0.1:${gateway}`, 'alice');
    await alice.joinRoom('lobby');
    const id = await alice.say('lobby', 'hello over SSE');

    const seed = new WebSocket(`ws://127.0.0.1:${gateway}/`);
    await new Promise((resolve, reject) => seed.once('open', resolve).once('error', reject));
    seed.send('typed in the seed page');

    await waitUntil(() => sse.events.length >= 2, { timeoutMs: 10_000, message: 'both messages over SSE' });
    const first = JSON.parse(sse.events[0]!.data) as { text: string; from: { name: string } };
    expect(sse.events[0]!.id).toBe(id);
    expect(first).toMatchObject({ text: 'hello over SSE', from: { name: 'alice' } });
    expect(JSON.parse(sse.events[1]!.data)).toMatchObject({ text: 'typed in the seed page' });
    seed.close();
  });

  it('drains both on one SIGTERM and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('drained, exiting');
  });
});
