import { describe, expect, it } from 'vitest';
import { httpChunk } from './http-chunk.js';

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
