import type { Bus } from '@herald/bus';
import type { Metrics } from '@herald/server-kit';
import type { FastifyInstance } from 'fastify';
import { unavailable } from '@herald/server-kit';
import { publishedData, type Publisher, type StreamAccess } from './stream-access.js';
import { parsePublishBody } from './publish-body.js';

export interface PublishRouteOptions {
  bus: Bus;
  metrics: Metrics;
  access: StreamAccess;
  maxMessageBytes: number;
}

/**
 * POST /publish `{"topic","data","event"?}` → 202 `{"id"}`; an array publishes a
 * batch in order → 202 `{"ids"}`. Registered in its own scope so that only JSON
 * bodies are parsed here (anything else is 415).
 */
export async function publishRoute(app: FastifyInstance, options: PublishRouteOptions): Promise<void> {
  const { bus, metrics } = options;
  app.removeContentTypeParser('text/plain');
  // Authenticate before the body is read: strangers do not get to upload 64 KiB.
  const publishers = new WeakMap<object, Publisher>();
  app.addHook('onRequest', async (request) => {
    publishers.set(request, await options.access.publisher(request));
  });
  app.addHook('onError', async () => {
    metrics.dropped.inc();
  });

  app.post('/publish', { bodyLimit: options.maxMessageBytes }, async (request, reply) => {
    const { items, batch } = parsePublishBody(request.body);
    const publisher = publishers.get(request)!;
    // Every item is checked before the first is published: a batch is refused whole.
    const now = Date.now();
    const data = items.map((item) => publishedData(item.topic, item.data, publisher, now));
    const ids: string[] = [];
    try {
      for (const [i, item] of items.entries()) {
        const published = await bus.publish(item.topic, data[i]!, item.event === undefined ? {} : { event: item.event });
        ids.push(published.id);
        metrics.messagesIn.inc();
      }
    } catch (err) {
      request.log.warn({ err, published: ids.length, of: items.length }, 'publish failed');
      throw unavailable(
        ids.length === 0 ? 'message bus unavailable' : `message bus failed after ${ids.length} of ${items.length} events (ids ${ids.join(',')})`,
      );
    }
    return reply.code(202).send(batch ? { ids } : { id: ids[0] });
  });
}
