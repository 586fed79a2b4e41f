import { startService } from '@herald/server-kit';
import { chatGatewayService } from './service.js';

await startService(chatGatewayService);
