import { MemoryBus } from '@herald/bus';
import { buildApp as buildGateway, readGatewayConfig } from '@herald/chat-gateway';
import { buildApp as buildStream, readStreamConfig } from '@herald/event-stream';

/** Fastify, without depending on it here: both apps return the same instance type. */
type FastifyInstance = ReturnType<typeof buildGateway>;

/** A service built with its buildApp on the in-memory bus, listening on port 0. */
export interface InProcess {
  app: FastifyInstance;
  /** http://127.0.0.1:<port> */
  http: string;
  /** ws://127.0.0.1:<port> */
  ws: string;
  port: number;
  close(): Promise<void>;
}

type Env = Record<string, string>;
type Timeouts = { requestMs?: number; checkIntervalMs?: number };

async function listen(app: FastifyInstance, bus: MemoryBus, host = '127.0.0.1'): Promise<InProcess> {
  const http = await app.listen({ port: 0, host });
  return {
    app,
    http,
    ws: http.replace(/^http/, 'ws'),
    port: Number(new URL(http).port),
    async close() {
      await app.close();
      await bus.close();
    },
  };
}

/** The chat gateway as main.ts would build it from `env` (silent logs unless LOG_LEVEL is given). */
export async function startGateway(env: Env = {}, httpTimeouts?: Timeouts): Promise<InProcess> {
  const config = readGatewayConfig({ LOG_LEVEL: 'silent', ...env });
  const bus = new MemoryBus({ historySize: config.historySize });
  return listen(buildGateway({ config, bus, httpTimeouts }), bus);
}

/** `host`: 127.0.0.1 unless a test needs a caller that is not on loopback. */
export async function startStream(env: Env = {}, httpTimeouts?: Timeouts, host?: string): Promise<InProcess> {
  const config = readStreamConfig({ LOG_LEVEL: 'silent', ...env });
  const bus = new MemoryBus({ historySize: config.historySize });
  return listen(buildStream({ config, bus, httpTimeouts }), bus, host);
}
