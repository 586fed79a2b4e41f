import {
  accessFor,
  encodeChatPayload,
  matchesAny,
  OPEN_ACCESS,
  roomOfTopic,
  type Access,
  type User,
} from '@herald/protocol';
import {
  badRequest,
  bearerMatcher,
  bearerToken,
  createTokenVerifier,
  forbidden,
  tokenOfRequest,
  unauthorized,
  userOfToken,
  type AuthConfig,
  type TokenVerifier,
} from '@herald/server-kit';
import { channelInfo, parseChannelTopic } from '@herald/pusher';
import type { FastifyRequest } from 'fastify';
import { isLoopback } from './publish-auth.js';

/** Who a chat publish is `from` when the operator (PUBLISH_TOKEN) or a loopback caller sends it. */
export const SYSTEM_USER: User = { id: 'system', name: 'system' };

export interface Reader {
  /** When the stream must end (the token's exp, ms); undefined without a token. */
  exp: number | undefined;
  /** The verified token's subject (what MAX_CONNECTIONS_PER_USER counts); undefined without a token. */
  user: string | undefined;
}

export interface Publisher {
  access: Access;
  /** Stamped as `from` on every `chat.<room>` publish: never taken from a body. */
  from: User;
}

export interface StreamAccessOptions {
  auth: AuthConfig;
  publishToken: string | undefined;
  corsOrigins: readonly string[] | undefined;
}

/**
 * Who may read which topics and publish where, on the same token model as the chat
 * gateway: `chat.<room>` is readable by whoever may join the room, other topics by
 * `herald.subscribe`, PUBLIC_TOPICS by anyone. Refusals are 401 (no or bad token)
 * or 403 (a token without the right) before any stream byte or body is read.
 */
export class StreamAccess {
  readonly #auth: AuthConfig;
  readonly #verifier: TokenVerifier | undefined;
  readonly #isOperator: ((authorization: string | undefined) => boolean) | undefined;
  readonly #corsOrigins: readonly string[] | undefined;

  constructor({ auth, publishToken, corsOrigins }: StreamAccessOptions) {
    this.#auth = auth;
    this.#verifier = auth.token === undefined ? undefined : createTokenVerifier(auth.token);
    this.#isOperator = publishToken === undefined ? undefined : bearerMatcher(publishToken);
    this.#corsOrigins = corsOrigins;
  }

  async reader(request: FastifyRequest, topics: readonly string[]): Promise<Reader> {
    if (this.#verifier === undefined) {
      // Open reading is for open data: a private Pusher channel is private even here.
      const closed = topics.find(isPrivatePusherTopic);
      if (closed !== undefined) throw forbidden(`topic "${closed}" is a private Pusher channel: readable over SSE only with a token that grants it (set AUTH_SECRET)`);
      return { exp: undefined, user: undefined };
    }
    const lookup = tokenOfRequest({ url: request.url, headers: request.headers }, this.#auth.cookie);
    if (!lookup.ok) throw unauthorized(lookup.message);
    if (lookup.token === undefined) {
      const closed = topics.find((topic) => !matchesAny(this.#auth.policy.publicTopics, topic));
      if (closed !== undefined) throw unauthorized(`topic "${closed}" needs a token: ?token=<JWT>, Authorization: Bearer, or the auth cookie`);
      return { exp: undefined, user: undefined };
    }
    const result = await this.#verifier.verify(lookup.token);
    if (!result.ok) throw unauthorized(result.message);
    const access = accessFor(this.#auth.policy, result.token.herald);
    const refused = topics.find((topic) => !access.canSubscribe(topic));
    if (refused !== undefined) throw forbidden(`this token may not read topic "${refused}"`);
    return { exp: result.token.exp, user: result.token.sub };
  }

  /**
   * PUBLISH_TOKEN: the operator, every topic. Else with auth on: a JWT in
   * `Authorization: Bearer` whose `publish` covers the topics. With neither
   * configured: loopback callers only, and not from a web page of another origin
   * (an `Origin` not in CORS_ORIGINS, or without a list not served from this
   * machine, is refused), so a page from elsewhere open in a browser here cannot publish.
   */
  async publisher(request: FastifyRequest): Promise<Publisher> {
    const authorization = request.headers.authorization;
    if (this.#isOperator?.(authorization) === true) return { access: OPEN_ACCESS, from: SYSTEM_USER };
    if (this.#verifier !== undefined) {
      const token = bearerToken(authorization);
      if (token === undefined) throw unauthorized('Authorization: Bearer <JWT with a publish right> (or PUBLISH_TOKEN) required');
      const result = await this.#verifier.verify(token);
      if (!result.ok) throw unauthorized(result.message);
      return { access: accessFor(this.#auth.policy, result.token.herald), from: userOfToken(result.token) };
    }
    if (this.#isOperator !== undefined) throw unauthorized('Authorization: Bearer <PUBLISH_TOKEN> required');
    // The socket's address, not request.ip: a forwarded-for header must not make a remote caller look local.
    if (!isLoopback(request.socket.remoteAddress)) {
      throw forbidden('publishing is limited to loopback callers; set PUBLISH_TOKEN (or AUTH_SECRET) to publish remotely');
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !this.#pageMayPublish(origin)) {
      throw forbidden(`a publish from a web page (Origin ${JSON.stringify(origin)}) needs its origin in CORS_ORIGINS or a token`);
    }
    return { access: OPEN_ACCESS, from: SYSTEM_USER };
  }

  /** Listed in CORS_ORIGINS; without a list, a page served from this machine. */
  #pageMayPublish(origin: string): boolean {
    if (this.#corsOrigins !== undefined) return this.#corsOrigins.includes(origin);
    return isLoopbackOrigin(origin);
  }
}

/** The topic of a Pusher channel that needs channel auth (private-, presence-, private-encrypted-, #server-to-user-). */
export function isPrivatePusherTopic(topic: string): boolean {
  const mapped = parseChannelTopic(topic);
  if (mapped === undefined) return false;
  const info = channelInfo(mapped.channel);
  return info === undefined || info.needsAuth || info.kind === 'server-to-user';
}

/**
 * A page served from this machine itself (http://localhost:5173, the demo) is as
 * trusted as any local process; a page from anywhere else is not, even open in a
 * browser on this machine. A DNS-rebound name still sends its own name as Origin.
 */
export function isLoopbackOrigin(origin: string): boolean {
  let host: string;
  try {
    host = new URL(origin).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * What is stored for one publish: `chat.<room>` takes `{"text"}` only and becomes a
 * chat message from the publisher, like one sent over the gateway; other topics
 * store `data` as given.
 */
export function publishedData(topic: string, data: string, publisher: Publisher, now: number): string {
  if (!publisher.access.canPublish(topic)) throw forbidden(`this token may not publish to topic "${topic}"`);
  const room = roomOfTopic(topic);
  if (room === undefined) return data;
  const body = JSON.parse(data) as unknown;
  const text = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).text : undefined;
  if (typeof text !== 'string' || Object.keys(body as object).length !== 1) {
    throw badRequest(`a publish to a chat room ("${topic}") takes data {"text": string} only; "from" is the publisher`);
  }
  return encodeChatPayload(room, publisher.from, text, now);
}
