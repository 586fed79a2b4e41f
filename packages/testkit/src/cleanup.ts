import { closeAllChatClients } from './chat-client.js';
import { stopAllServices } from './service.js';
import { closeAllSseClients } from './sse-client.js';

/** For afterAll: drops every chat and SSE client still open, then kills every spawned service. */
export async function closeEverything(): Promise<void> {
  closeAllChatClients();
  closeAllSseClients();
  await stopAllServices();
}
