import { describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { httpChunk, LAST_CHUNK, writeChunk } from './http-chunk.js';

describe('httpChunk', () => {
  it('frames data as size in hex, CRLF, data, CRLF', () => {
    expect(httpChunk(Buffer.from('data: x\n\n')).toString()).toBe('9\r\ndata: x\n\n\r\n');
    const big = Buffer.alloc(300, 'a');
    expect(httpChunk(big).toString()).toBe(`12c\r\n${'a'.repeat(300)}\r\n`);
  });

  it('counts bytes, not characters', () => {
    expect(httpChunk(Buffer.from('é')).subarray(0, 3).toString()).toBe('2\r\n');
  });

  it('frames nothing to nothing: a zero-size chunk would end the body', () => {
    expect(httpChunk(Buffer.alloc(0)).length).toBe(0);
  });
});

/** Collects what writeChunk hands the socket, and whether it was all inside one cork. */
function recordingSocket() {
  const written: string[] = [];
  let corked = 0;
  let uncorkedWrites = 0;
  const socket = {
    cork: () => void (corked += 1),
    uncork: () => void (corked -= 1),
    write: (data: Buffer | string) => {
      if (corked === 0) uncorkedWrites += 1;
      written.push(Buffer.from(data).toString());
      return true;
    },
  };
  return { socket: socket as unknown as Socket, text: () => written.join(''), uncorkedWrites: () => uncorkedWrites };
}

describe('writeChunk', () => {
  it('writes the same framing as httpChunk, strings by their UTF-8 length, in one cork', () => {
    const out = recordingSocket();
    writeChunk(out.socket, 'data: é\n\n');
    writeChunk(out.socket, Buffer.alloc(300, 'a'));
    expect(out.text()).toBe(`a\r\ndata: é\n\n\r\n12c\r\n${'a'.repeat(300)}\r\n`);
    expect(out.uncorkedWrites()).toBe(0);
  });

  it('writes nothing for empty data (a zero-size chunk is LAST_CHUNK, the end of the body)', () => {
    const out = recordingSocket();
    writeChunk(out.socket, '');
    writeChunk(out.socket, Buffer.alloc(0));
    expect(out.text()).toBe('');
    expect(LAST_CHUNK.toString()).toBe('0\r\n\r\n');
  });
});
