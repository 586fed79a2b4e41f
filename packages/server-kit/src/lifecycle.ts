import type { Bus } from '@herald/bus';
import type { FastifyInstance } from 'fastify';

export interface Listening {
  app: FastifyInstance;
  port: number;
  host: string;
  /** The accept queue's length (LISTEN_BACKLOG); Node's default 511 when unset. */
  backlog?: number | undefined;
}

export interface RunOptions {
  /** One or more apps sharing `bus` (`pnpm start` runs both services in one process). */
  apps: Listening[];
  bus: Bus;
  /** Hard limit on a drain before exiting anyway. */
  drainTimeoutMs?: number;
  /** Called with the exit code; process.exit by default (tests pass their own). */
  exit?: (code: number) => void;
}

/**
 * Listens, then on SIGTERM or SIGINT drains: every app stops accepting, their
 * preClose hooks close WebSockets with 1001 and end SSE streams, then the bus they
 * share closes, exit 0. Returns the bound addresses, in the order of `apps`.
 */
export async function runServices(options: RunOptions): Promise<string[]> {
  const { apps, bus, drainTimeoutMs = 9_000 } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const addresses = await Promise.all(apps.map(({ app, port, host, backlog }) => app.listen({ port, host, ...(backlog === undefined ? {} : { backlog }) })));
  const log = apps[0]!.app.log;
  let stopping = false;

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    const timer = setTimeout(() => {
      log.error({ drainTimeoutMs }, 'drain timed out, exiting');
      exit(1);
    }, drainTimeoutMs);
    timer.unref();
    try {
      await Promise.all(apps.map(({ app }) => app.close()));
      await bus.close();
      log.info('drained, exiting');
      clearTimeout(timer);
      exit(0);
    } catch (err) {
      log.error({ err }, 'error while draining');
      clearTimeout(timer);
      exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return addresses;
}
