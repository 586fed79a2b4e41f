// The few Redis commands the storm needs (is it there; remove this run's keys), spoken
// as RESP on a plain socket: the bench has no Redis client of its own and needs none.
import { existsSync } from 'node:fs';
import net from 'node:net';

const encode = (args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/** Parses one RESP reply at `at`; returns [value, next] or null when incomplete. */
function parseReply(text, at = 0) {
  const eol = text.indexOf('\r\n', at);
  if (eol === -1) return null;
  const kind = text[at];
  const line = text.slice(at + 1, eol);
  if (kind === '+' || kind === ':') return [line, eol + 2];
  if (kind === '-') return [new Error(`Redis: ${line}`), eol + 2];
  if (kind === '$') {
    const size = Number(line);
    if (size < 0) return [null, eol + 2];
    if (text.length < eol + 2 + size + 2) return null;
    return [text.slice(eol + 2, eol + 2 + size), eol + 4 + size];
  }
  if (kind === '*') {
    const items = [];
    let next = eol + 2;
    for (let i = 0; i < Number(line); i++) {
      const item = parseReply(text, next);
      if (!item) return null;
      items.push(item[0]);
      next = item[1];
    }
    return [items, next];
  }
  return [new Error(`Redis: unexpected reply ${JSON.stringify(text.slice(at, at + 40))}`), text.length];
}

/** Opens a connection to `url` (redis://[:password@]host:port[/db]); `command(...args)` resolves with the reply. */
export function redisConnection(url, timeoutMs = 3000) {
  const target = new URL(url);
  if (target.protocol !== 'redis:') throw new Error(`STORM_REDIS_URL must be redis://host:port, got "${url}"`);
  const socket = net.connect({ host: target.hostname || '127.0.0.1', port: Number(target.port || 6379) });
  socket.setEncoding('latin1');
  let buffer = '';
  const waiting = [];
  const failAll = (error) => waiting.splice(0).forEach((w) => w.reject(error));
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`Redis at ${target.host} did not answer within ${timeoutMs} ms`)));
  socket.on('error', failAll);
  socket.on('close', () => failAll(new Error(`Redis at ${target.host} closed the connection`)));
  socket.on('data', (chunk) => {
    buffer += chunk;
    for (let reply; waiting.length > 0 && (reply = parseReply(buffer)); ) {
      buffer = buffer.slice(reply[1]);
      const { resolve, reject } = waiting.shift();
      if (reply[0] instanceof Error) reject(reply[0]);
      else resolve(reply[0]);
    }
  });
  const command = (...args) =>
    new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      socket.write(encode(args.map(String)));
    });
  const ready = (async () => {
    if (target.password) await command(...(target.username ? ['AUTH', decodeURIComponent(target.username)] : ['AUTH']), decodeURIComponent(target.password));
    const db = target.pathname.slice(1);
    if (db) await command('SELECT', db);
  })();
  return { ready, command, close: () => socket.destroy() };
}

/** Whether a Redis answers PING at `url`. */
export async function redisAnswers(url) {
  let conn;
  try {
    conn = redisConnection(url);
    await conn.ready;
    return (await conn.command('PING')) === 'PONG';
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}

/** The pid of the Redis at `url` when it runs on this machine (its CPU is then sampled too), else null. */
export async function localRedisPid(url) {
  const conn = redisConnection(url);
  try {
    await conn.ready;
    const pid = Number(/process_id:(\d+)/.exec(await conn.command('INFO', 'server'))?.[1]);
    return Number.isInteger(pid) && existsSync(`/proc/${pid}/stat`) && ['127.0.0.1', 'localhost', '::1'].includes(new URL(url).hostname) ? pid : null;
  } catch {
    return null;
  } finally {
    conn.close();
  }
}

/** Removes every key under `prefix` (this run's keys; the shared Redis keeps everyone else's). */
export async function deleteKeys(url, prefix) {
  const conn = redisConnection(url, 30_000);
  try {
    await conn.ready;
    let cursor = '0';
    do {
      const [next, keys] = await conn.command('SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await conn.command('UNLINK', ...keys);
    } while (cursor !== '0');
  } finally {
    conn.close();
  }
}
