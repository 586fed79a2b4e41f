#!/usr/bin/env node
// Both services in ONE process on ONE bus (in-memory unless REDIS_URL is set), so a
// chat room is readable over SSE as `chat.<room>` on a bare machine too. Ports from
// GATEWAY_PORT (8080) and STREAM_PORT (8088); one drain on SIGTERM/SIGINT.
import { chatGatewayService } from '@herald/chat-gateway';
import { eventStreamService } from '@herald/event-stream';
import { startServices } from '@herald/server-kit';

await startServices([
  { spec: chatGatewayService, env: { PORT: process.env.GATEWAY_PORT ?? '8080' } },
  { spec: eventStreamService, env: { PORT: process.env.STREAM_PORT ?? '8088' } },
]);
