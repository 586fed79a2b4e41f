/**
 * `POST /apps/{id}/users/{user}/terminate_connections`: every connection signed in
 * (`pusher:signin`) as that user, on every gateway, is closed. The request is one
 * message on the app's control topic (appControlTopic: no channel maps to it, so no
 * subscriber reads it and no trigger forges it); each gateway closes its own sockets.
 * Every gateway holds that topic from start-up, one per app, counted in MAX_TOPICS:
 * subscribing only once a user signs in would let a terminate sent right after the
 * sign-in miss the instance whose subscription is not ready yet.
 */
import { TopicLimitError, type Bus, type BusEvent, type Subscription } from '@herald/bus';
import { appControlTopic, PusherCode, serverFrames, type PusherApps } from '@herald/pusher';
import type { FastifyBaseLogger } from 'fastify';
import type { PusherSocket } from './pusher-socket.js';

/** pusher-js treats 4009 as refused: it does not reconnect on its own (as soketi does). */
const TERMINATED = PusherCode.UNAUTHORIZED;
const REASON = 'Connection terminated by the app';

interface ControlMessage {
  terminate: string;
}

function decode(text: string): ControlMessage | undefined {
  try {
    const value = JSON.parse(text) as Partial<ControlMessage>;
    return typeof value.terminate === 'string' ? { terminate: value.terminate } : undefined;
  } catch {
    return undefined;
  }
}

export class Terminations {
  readonly #subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly sockets: ReadonlySet<PusherSocket>,
    private readonly log: FastifyBaseLogger,
  ) {}

  /**
   * Listens on every app's control topic. Not awaited: on Redis a subscription is
   * ready only once Redis answers, and the gateway must start (and say 503 on
   * /readyz) while Redis is down.
   */
  start(apps: PusherApps): void {
    for (const app of apps.list()) {
      try {
        this.#subscriptions.push(this.bus.subscribe(appControlTopic(app.id), (event) => this.#received(app.id, event)));
      } catch (err) {
        if (!(err instanceof TopicLimitError)) throw err;
        throw new Error(`MAX_TOPICS (${err.maxTopics}) leaves no room for the Pusher control topics (one per app, ${apps.size} here)`, { cause: err });
      }
    }
  }

  /** Asks every gateway (this one included) to close the user's connections. */
  async request(appId: string, userId: string): Promise<void> {
    await this.bus.publish(appControlTopic(appId), JSON.stringify({ terminate: userId } satisfies ControlMessage));
  }

  close(): void {
    for (const s of this.#subscriptions.splice(0)) s.unsubscribe();
  }

  #received(appId: string, event: BusEvent): void {
    const message = decode(event.data);
    if (!message) return;
    let closed = 0;
    for (const socket of this.sockets) {
      if (socket.app.id !== appId || socket.user?.id !== message.terminate) continue;
      socket.send(serverFrames.pusherError(REASON, TERMINATED));
      socket.close(TERMINATED, REASON);
      closed += 1;
    }
    if (closed > 0) this.log.info({ appId, closed }, 'Pusher user connections terminated');
  }
}
