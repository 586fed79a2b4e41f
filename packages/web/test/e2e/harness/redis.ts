import { connect } from 'node:net';

export const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';

/** Sends one command in RESP and resolves with the first reply line (enough for PING and EVAL's integer). */
function command(args: string[], timeoutMs = 2_000): Promise<string> {
  const url = new URL(REDIS_URL);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 6379) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('redis did not answer'));
    }, timeoutMs);
    let reply = '';
    socket.on('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        clearTimeout(timer);
        socket.end();
        resolve(reply.slice(0, reply.indexOf('\r\n')));
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Why Redis cannot be used, or undefined when it answers PING. */
export async function redisMissing(): Promise<string | undefined> {
  try {
    const reply = await command(['PING']);
    return reply === '+PONG' ? undefined : `redis at ${REDIS_URL} answered ${reply}`;
  } catch (err) {
    return `no redis at ${REDIS_URL} (${(err as Error).message})`;
  }
}

/** Deletes every key under a test's own prefix (best effort). */
export async function deleteKeys(prefix: string): Promise<void> {
  const script =
    "local keys = redis.call('KEYS', ARGV[1]) for i = 1, #keys, 1000 do " +
    "redis.call('DEL', unpack(keys, i, math.min(i + 999, #keys))) end return #keys";
  await command(['EVAL', script, '0', `${prefix}*`]).catch(() => undefined);
}
