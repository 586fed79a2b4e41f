import type {
  AckMessage,
  ChatMessage,
  HistoryMessage,
  JoinedMessage,
  LeftMessage,
  PresenceMessage,
  RefreshedMessage,
  ServerMessage,
  WelcomeMessage,
} from '@herald/protocol';
import { ClientError } from './errors.js';

/**
 * What ChatClient does with each kind of frame from the gateway. The client keeps
 * the state; this module only reads a frame and says which kind it is.
 */
export interface FrameHandlers {
  welcome(message: WelcomeMessage): void;
  joined(message: JoinedMessage): void;
  left(message: LeftMessage): void;
  refreshed(message: RefreshedMessage): void;
  presence(message: PresenceMessage): void;
  message(message: ChatMessage): void;
  history(message: HistoryMessage): void;
  ack(message: AckMessage): void;
  /** An `error` frame, as the ClientError a request would be rejected with. */
  error(error: ClientError): void;
  /** Something that is not a protocol frame at all. */
  garbage(error: ClientError): void;
}

/** Parses one frame and hands it to its handler. */
export function receiveFrame(data: unknown, on: FrameHandlers): void {
  let message: ServerMessage;
  try {
    message = JSON.parse(String(data)) as ServerMessage;
  } catch {
    on.garbage(new ClientError('protocol', 'the gateway sent a frame that is not JSON'));
    return;
  }
  if (typeof message !== 'object' || message === null) return;
  switch (message.type) {
    case 'welcome':
      return on.welcome(message);
    case 'joined':
      return on.joined(message);
    case 'left':
      return on.left(message);
    case 'refreshed':
      return on.refreshed(message);
    case 'presence':
      return on.presence(message);
    case 'message':
      return on.message(message);
    case 'history':
      return on.history(message);
    case 'ack':
      return on.ack(message);
    case 'error':
      return on.error(new ClientError(message.code, message.message, message.ref));
    // Unknown types come from a newer gateway: ignored, not an error.
  }
}
