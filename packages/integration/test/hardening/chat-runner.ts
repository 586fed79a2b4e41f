import { isId } from '@herald/protocol';
import { CONTROL_CHARS, charName } from './garbage.js';
import { CHAT_GROUPS, groupRoom, type ChatCase } from './chat-corpus.js';
import { WsProbe, type Frame } from './ws-probe.js';

export interface Failure {
  name: string;
  problem: string;
}

/** Error messages echo at most a slice of the input: garbage never comes back whole. */
const MAX_ERROR_MESSAGE = 300;
const skipPresence = (f: Frame) => f.type === 'presence';
const show = (f: Frame) => JSON.stringify(f).slice(0, 200);

async function check(probe: WsProbe, c: ChatCase, room: string, name: string): Promise<string | undefined> {
  const e = c.expect;
  const f = await probe.next(skipPresence);
  if ('error' in e) {
    if (f.type !== 'error' || f.code !== e.error) return `expected error ${e.error}, got ${show(f)}`;
    if (f.ref !== e.ref) return `expected ref ${JSON.stringify(e.ref)}, got ${show(f)}`;
    if (typeof f.message !== 'string' || f.message.length > MAX_ERROR_MESSAGE) return `bad error message in ${show(f)}`;
    return undefined;
  }
  if ('joined' in e) {
    const ok = f.type === 'joined' && f.room === e.joined && Array.isArray(f.members) && typeof f.recovered === 'boolean';
    return ok ? undefined : `expected joined ${e.joined}, got ${show(f)}`;
  }
  if ('left' in e) return f.type === 'left' && f.room === e.left ? undefined : `expected left ${e.left}, got ${show(f)}`;
  const frames = e.ref === undefined ? [f] : [f, await probe.next(skipPresence)];
  const message = frames.find((m) => m.type === 'message');
  if (!message || message.text !== e.delivered || message.room !== (e.room ?? room) || !isId(message.id)) {
    return `expected message ${JSON.stringify(e.delivered.slice(0, 40))}, got ${frames.map(show).join(' ')}`;
  }
  if ((message.from as { id?: unknown } | undefined)?.id !== name) return `wrong sender in ${show(message)}`;
  if (e.ref !== undefined) {
    const ack = frames.find((m) => m.type === 'ack');
    if (!ack || ack.ref !== e.ref || ack.id !== message.id) return `expected ack ${JSON.stringify(e.ref)}, got ${frames.map(show).join(' ')}`;
  }
  return undefined;
}

async function runGroup(ws: string, group: string, cases: ChatCase[], failures: Failure[]): Promise<void> {
  const name = `hx-${group}`;
  const probe = await WsProbe.connect(`${ws}/ws?name=${name}`);
  const room = groupRoom(group);
  try {
    if ((await probe.next()).type !== 'welcome') throw new Error('no welcome');
    probe.sendText(JSON.stringify({ type: 'join', room }));
    if ((await probe.next(skipPresence)).type !== 'joined') throw new Error(`could not join ${room}`);
    for (const c of cases) {
      if (c.binary) probe.sendBytes(c.frame as Buffer, true);
      else probe.sendText(c.frame as string);
      const problem = await check(probe, c, room, name).catch((err: Error) => err.message);
      if (problem !== undefined) failures.push({ name: `${group}: ${c.name}`, problem });
      if (probe.closed) {
        failures.push({ name: `${group}: ${c.name}`, problem: `connection closed with ${probe.closeCode}` });
        return;
      }
    }
  } finally {
    await probe.close();
  }
}

/** Runs every frame case, one session (and room) per group, the groups side by side. */
export async function runChatCorpus(ws: string, cases: ChatCase[]): Promise<Failure[]> {
  const failures: Failure[] = [];
  await Promise.all(CHAT_GROUPS.map((g) => runGroup(ws, g, cases.filter((c) => c.group === g), failures)));
  return failures;
}

/** The texts a member of `room` must have seen from the corpus: the accepted sends, in order. */
export function deliveredIn(cases: ChatCase[], group: string): string[] {
  return cases.flatMap((c) => (c.group === group && 'delivered' in c.expect && c.expect.room === undefined ? [c.expect.delivered] : []));
}

/** A connection that joined every group's room before the corpus, and only listens. */
export async function openBystander(ws: string): Promise<WsProbe> {
  const probe = await WsProbe.connect(`${ws}/ws?name=hx-bystander`);
  await probe.next();
  for (const group of CHAT_GROUPS) {
    probe.sendText(JSON.stringify({ type: 'join', room: groupRoom(group) }));
    const f = await probe.next(skipPresence);
    if (f.type !== 'joined') throw new Error(`bystander could not join: ${show(f)}`);
  }
  return probe;
}

const INVALID_UTF8: Array<[string, number[]]> = [
  ['0xff', [0xff]],
  ['overlong NUL', [0xc0, 0x80]],
  ['UTF-16 surrogate', [0xed, 0xa0, 0x80]],
  ['truncated 3-byte sequence', [0x7b, 0xe2, 0x82]],
  ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['lone continuation byte', [0x7b, 0x80, 0x7d]],
];

/** A refused upgrade must be an HTTP error with a JSON body (code when the protocol has one). */
async function refused(url: string, status: number, code: string | undefined): Promise<string | undefined> {
  const result = await WsProbe.open(url);
  if (result.ok) {
    await result.probe.close();
    return `expected HTTP ${status}, the upgrade succeeded`;
  }
  if (result.status !== status) return `expected HTTP ${status}, got ${result.status}`;
  const body = JSON.parse(result.body) as { error?: { code?: string } };
  return body.error?.code === code ? undefined : `expected code ${code}, got ${result.body.slice(0, 200)}`;
}

/**
 * Cases that end or refuse a connection, each on a connection of its own: bad
 * `?name=` (400 before the upgrade), text frames that are not UTF-8 (1007), frames
 * over the hard cap (1009), a raw client sending refused frames (1008).
 */
export async function runChatConnectionCases(ws: string, maxBytes: number): Promise<{ count: number; failures: Failure[] }> {
  const failures: Failure[] = [];
  let count = 0;
  const record = (name: string, problem: string | undefined) => {
    count += 1;
    if (problem !== undefined) failures.push({ name, problem });
  };
  for (const path of ['/ws', '/']) {
    for (const c of CONTROL_CHARS) {
      record(`${path} name with ${charName(c)}`, await refused(`${ws}${path}?name=${encodeURIComponent(`a${c}b`)}`, 400, 'bad_request'));
    }
    for (const name of ['', '%20%20%20', 'x'.repeat(65), 'a&name=b']) {
      record(`${path} name ${JSON.stringify(name.slice(0, 12))}`, await refused(`${ws}${path}?name=${name}`, 400, 'bad_request'));
    }
    for (const [label, bytes] of INVALID_UTF8) {
      const probe = await WsProbe.connect(`${ws}${path}?name=hx-utf8`);
      probe.sendBytes(Buffer.from(bytes), false);
      const code = await probe.waitClosed().catch(() => undefined);
      record(`${path} text frame with ${label}`, code === 1007 ? undefined : `expected close 1007, got ${code}`);
    }
    const big = await WsProbe.connect(`${ws}${path}?name=hx-big`);
    big.sendText('x'.repeat(maxBytes * 2 + 1024 + 1));
    const code = await big.waitClosed().catch(() => undefined);
    record(`${path} frame over the hard cap`, code === 1009 ? undefined : `expected close 1009, got ${code}`);
  }
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    const probe = await WsProbe.connect(`${ws}/ws?name=${name}`);
    const welcome = await probe.next();
    const user = welcome.user as { id?: unknown } | undefined;
    record(`name ${name}`, welcome.type === 'welcome' && user?.id === name ? undefined : `got ${show(welcome)}`);
    await probe.close();
  }
  const raw = await WsProbe.connect(`${ws}/?name=hx-raw`);
  for (let i = 0; i < 10; i++) raw.sendBytes(Buffer.from([i]), true);
  const rawCode = await raw.waitClosed().catch(() => undefined);
  record('raw client sending 10 binary frames', rawCode === 1008 ? undefined : `expected close 1008, got ${rawCode}`);
  return { count, failures };
}

/**
 * `count` joins of distinct rooms from one connection: the first 100 are joined,
 * every other one is refused with bad_request (rooms per connection), and a send
 * afterwards still works. Returns the problems found.
 */
export async function joinFlood(ws: string, count: number): Promise<string[]> {
  const problems: string[] = [];
  const probe = await WsProbe.connect(`${ws}/ws?name=hx-joiner`);
  await probe.next();
  for (let i = 0; i < count; i++) probe.sendText(JSON.stringify({ type: 'join', room: `hx-cap-${i}` }));
  const replies: Frame[] = [];
  for (let i = 0; i < count; i++) replies.push(await probe.next(skipPresence));
  const joined = replies.filter((f) => f.type === 'joined').map((f) => f.room);
  if (joined.length !== 100 || joined.some((room, i) => room !== `hx-cap-${i}`)) problems.push(`joined ${joined.length} rooms, not hx-cap-0..99`);
  const wrong = replies.slice(100).filter((f) => !(f.type === 'error' && f.code === 'bad_request' && String(f.message).includes('at most 100 rooms')));
  if (wrong.length > 0) problems.push(`${wrong.length} joins past the cap not refused, e.g. ${show(wrong[0]!)}`);
  probe.sendText(JSON.stringify({ type: 'send', room: 'hx-cap-0', text: 'still here', ref: 'k' }));
  const types = [(await probe.next(skipPresence)).type, (await probe.next(skipPresence)).type].sort();
  if (types.join() !== 'ack,message') problems.push(`send after the flood got ${types.join()}`);
  await probe.close();
  return problems;
}
