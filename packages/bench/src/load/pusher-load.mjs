// Pusher protocol 7 load: lean `ws` clients speaking pusher-js's frames to the gateway's
// /app/{key}, subscribed to one private channel (signed here as an app's auth endpoint
// would sign); the publisher sends client events, which the gateway relays to every other
// subscriber. Against the naive baseline the same measurement runs over its raw text.
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { PUSHER_APP } from '../targets.mjs';
import { fanoutOver, wsFanout } from './ws-load.mjs';

const CHANNEL = 'private-bench';
const CLIENT_OPTIONS = { perMessageDeflate: false, skipUTF8Validation: true };
const noop = () => {};

function channelAuth(socketId) {
  const signature = createHmac('sha256', PUSHER_APP.secret).update(`${socketId}:${CHANNEL}`).digest('hex');
  return `${PUSHER_APP.key}:${signature}`;
}

/** Resolves with a socket once its subscription to CHANNEL succeeded. */
function openPusher(cfg, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${cfg.port}/app/${PUSHER_APP.key}?protocol=7&client=herald-bench`, CLIENT_OPTIONS);
    const timer = setTimeout(() => fail(new Error(`pusher client: not subscribed after ${timeoutMs} ms`)), timeoutMs);
    function fail(error) {
      clearTimeout(timer);
      ws.removeAllListeners('message');
      ws.on('error', noop);
      ws.terminate();
      reject(error);
    }
    function onSetupFrame(data) {
      const message = JSON.parse(data.toString());
      if (message.event === 'pusher:connection_established') {
        const { socket_id: socketId } = JSON.parse(message.data);
        ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: CHANNEL, auth: channelAuth(socketId) } }));
      } else if (message.event === 'pusher_internal:subscription_succeeded') {
        clearTimeout(timer);
        ws.removeListener('message', onSetupFrame);
        ws.removeListener('error', fail);
        ws.removeListener('close', onEarlyClose);
        ws.on('error', noop);
        resolve(ws);
      } else if (message.event === 'pusher:error' || message.event === 'pusher:subscription_error') {
        fail(new Error(`pusher client: server said ${data.toString().slice(0, 200)}`));
      }
    }
    ws.on('message', onSetupFrame);
    ws.on('error', fail);
    function onEarlyClose(code) {
      fail(new Error(`pusher client: closed with ${code} before subscribing`));
    }
    ws.once('close', onEarlyClose);
  });
}

function pusherTransport(cfg) {
  return {
    openSubscriber: () => openPusher(cfg),
    openPublisher: () => openPusher(cfg),
    // The data is the stamp as a string: relayed verbatim in every subscriber's frame.
    publish: (publisher, text) => publisher.send(JSON.stringify({ event: 'client-m', channel: CHANNEL, data: text })),
    isError: (data) => data.indexOf('"event":"pusher:error"') !== -1,
  };
}

/** N Pusher subscribers of one private channel; a burst of client events, then RATE/s for DURATION s. */
export function pusherFanout(cfg) {
  return cfg.kind === 'herald' ? fanoutOver(cfg, pusherTransport(cfg)) : wsFanout(cfg);
}
