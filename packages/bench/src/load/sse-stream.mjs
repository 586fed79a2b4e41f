// A lean SSE subscriber for the load process: GET on a raw TCP socket, the chunked body
// decoded by hand and scanned for the payload marker. Node's http client costs about a
// third more CPU per event (parser callbacks, a Readable per response), and the load
// process must not be what limits the figures.
import net from 'node:net';
import { MARK } from './common.mjs';

/**
 * Decodes `Transfer-Encoding: chunked` from latin1 text (one character per byte, so chunk
 * sizes count characters) and hands each piece of body to `onBody`; `onEnd` is called
 * at the last chunk (the server ended the response).
 */
export function dechunker(onBody, onEnd) {
  let remaining = 0;
  let skip = 0;
  let sizeLine = '';
  let ended = false;
  return function feed(text) {
    if (ended) return;
    let i = 0;
    while (i < text.length) {
      if (remaining > 0) {
        const end = Math.min(text.length, i + remaining);
        onBody(text.slice(i, end));
        remaining -= end - i;
        i = end;
        if (remaining === 0) skip = 2;
      } else if (skip > 0) {
        const end = Math.min(text.length, i + skip);
        skip -= end - i;
        i = end;
      } else {
        sizeLine += text.slice(i);
        const eol = sizeLine.indexOf('\r\n');
        if (eol === -1) return;
        const size = parseInt(sizeLine.slice(0, eol), 16);
        text = sizeLine.slice(eol + 2);
        i = 0;
        sizeLine = '';
        // The last chunk (size 0) ends the body; a stream we hold open never sends it.
        if (!(size > 0)) {
          ended = true;
          onEnd?.();
          return;
        }
        remaining = size;
      }
    }
  };
}

/**
 * Scans event text for `<phase>@@<ms>@@` in complete events only (up to the last blank
 * line) and calls onMarker(phaseCode, text, start, end); the unfinished rest waits.
 */
export function markerScanner(onMarker) {
  let rest = '';
  return function scan(piece) {
    const text = rest === '' ? piece : rest + piece;
    const complete = text.lastIndexOf('\n\n');
    if (complete === -1) {
      rest = text;
      return;
    }
    let from = 0;
    for (;;) {
      const at = text.indexOf(MARK, from);
      if (at === -1 || at > complete) break;
      const close = text.indexOf(MARK, at + 2);
      onMarker(text.charCodeAt(at - 1), text, at + 2, close);
      from = close + 2;
    }
    rest = complete + 2 === text.length ? '' : text.slice(complete + 2);
  };
}

/** The request head of GET `path` for an event stream, with extra `headers` (e.g. Last-Event-ID). */
export function sseRequest(port, path, headers = {}) {
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n${extra}\r\n`;
}

/**
 * Opens GET `path` and resolves with the socket once ready: on the response head when
 * `readyOnHead`, otherwise once the first body bytes arrived. `onBody` gets body text.
 */
export function openSseSocket({ port, path, headers, readyOnHead, onBody, localAddress, timeoutMs = 30_000 }) {
  return new Promise((resolve, reject) => {
    // localAddress: the scale scenario's load processes each use their own 127.0.0.x.
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    socket.setNoDelay(true);
    let settled = false;
    let head = '';
    let feed = null;
    const timer = setTimeout(() => settle(new Error(`GET ${path}: not ready after ${timeoutMs} ms`)), timeoutMs);
    function settle(error) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        resolve(socket);
      }
    }
    function body(text) {
      if (text.length === 0) return;
      if (!settled) settle();
      onBody(text);
    }
    socket.on('error', (error) => settle(error));
    socket.on('close', () => settle(new Error(`GET ${path}: connection closed before the stream was ready`)));
    socket.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      if (feed) {
        feed(text);
        return;
      }
      head += text;
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (!status || status[1] !== '200') {
        settle(new Error(`GET ${path} answered ${status ? status[1] : head.slice(0, 40)}`));
        return;
      }
      const headers = head.slice(0, end);
      feed = /\r\ntransfer-encoding:\s*chunked/i.test(headers) ? dechunker(body) : body;
      if (readyOnHead) settle();
      feed(head.slice(end + 4));
      head = '';
    });
    socket.write(sseRequest(port, path, headers));
  });
}
