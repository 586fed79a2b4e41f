import type { Bus } from '@herald/bus';
import type { FastifyInstance } from 'fastify';

export interface RunOptions {
  app: FastifyInstance;
  bus: Bus;
  port: number;
  host: string;
  /** Hard limit on a drain before exiting anyway. */
  drainTimeoutMs?: number;
  /** Called with the exit code; process.exit by default (tests pass their own). */
  exit?: (code: number) => void;
}

/**
 * Listens, then on SIGTERM or SIGINT drains: the app stops accepting, its preClose
 * hooks close WebSockets with 1001 and end SSE streams, the bus closes, exit 0.
 */
export async function runService(options: RunOptions): Promise<string> {
  const { app, bus, port, host, drainTimeoutMs = 9_000 } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const address = await app.listen({ port, host });
  let stopping = false;

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'draining');
    const timer = setTimeout(() => {
      app.log.error({ drainTimeoutMs }, 'drain timed out, exiting');
      exit(1);
    }, drainTimeoutMs);
    timer.unref();
    try {
      await app.close();
      await bus.close();
      app.log.info('drained, exiting');
      clearTimeout(timer);
      exit(0);
    } catch (err) {
      app.log.error({ err }, 'error while draining');
      clearTimeout(timer);
      exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return address;
}
