import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/** The shared test Redis; other suites use it at the same time, so only our keys are touched. */
export const REDIS_TEST_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** One command over a fresh connection, answering the first reply line (RESP2). */
async function command(args: string[]): Promise<string> {
  const url = new URL(REDIS_TEST_URL);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 6379) });
    let reply = '';
    socket.setTimeout(3000, () => socket.destroy(new Error('redis timed out')));
    socket.on('error', reject);
    socket.on('connect', () => socket.write(encode(args)));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.slice(0, reply.indexOf('\r\n')));
      }
    });
  });
}

/** Whether Redis tests run: with CI set a missing Redis fails, locally they are skipped with a reason. */
export async function redisAvailable(): Promise<boolean> {
  const up = await command(['PING']).then(
    (reply) => reply === '+PONG',
    () => false,
  );
  if (up) return true;
  const reason = `Redis is not reachable at ${REDIS_TEST_URL} (set REDIS_URL_TEST)`;
  if (process.env.CI) throw new Error(`${reason}; CI is set, so Redis tests must run`);
  console.log(`skipping chat-gateway Redis tests: ${reason}`);
  return false;
}

export function uniquePrefix(label: string): string {
  return `herald-test:gw-${label}:${Date.now().toString(36)}${randomBytes(3).toString('hex')}:`;
}

/** Removes this run's keys (the prefix is unique, so KEYS only ever matches ours). */
export async function deleteKeys(prefix: string): Promise<void> {
  const script = "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('UNLINK', k) end return 1";
  await command(['EVAL', script, '0', `${prefix}*`]);
}
