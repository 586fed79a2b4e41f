import { startService } from '@herald/server-kit';
import { eventStreamService } from './service.js';

await startService(eventStreamService);
