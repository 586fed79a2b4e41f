// The load's hand-written chunked decoder and marker scanner, fed every possible split
// of the same bytes: a miscount here would silently skew the fan-out figures.
import { describe, expect, it } from 'vitest';
import { dechunker, markerScanner } from '../src/load/sse-stream.mjs';

const events = 'retry: 1000\n\nid: 1-0\ndata: {"t":"B@@12.500@@"}\n\n: ping\n\nid: 1-1\ndata: {"t":"L@@99.250@@"}\n\n';

function chunked(body, sizes) {
  let out = '';
  let at = 0;
  for (const size of sizes) {
    const part = body.slice(at, at + size);
    out += `${part.length.toString(16)}\r\n${part}\r\n`;
    at += size;
  }
  return out;
}

function collect(pieces) {
  const seen = [];
  const scan = markerScanner((phase, text, start, end) => seen.push([String.fromCharCode(phase), text.slice(start, end)]));
  const feed = dechunker(scan);
  for (const piece of pieces) feed(piece);
  return seen;
}

describe('dechunker + markerScanner', () => {
  const wire = chunked(events, [13, 30, 9, 40]);
  const expected = [['B', '12.500'], ['L', '99.250']];

  it('finds each marker once when the wire arrives whole', () => {
    expect(collect([wire])).toEqual(expected);
  });

  it('finds each marker once for every split into two reads', () => {
    for (let cut = 1; cut < wire.length; cut++) {
      expect(collect([wire.slice(0, cut), wire.slice(cut)]), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('finds each marker once when the wire arrives one byte at a time', () => {
    expect(collect([...wire])).toEqual(expected);
  });

  it('holds back an event until its blank line arrives', () => {
    const seen = collect([chunked('data: {"t":"B@@1.000@@"}\n', [26])]);
    expect(seen).toEqual([]);
  });

  it('says when the last chunk ends the response (a drain), however the wire is split', () => {
    const ended = `${wire}0\r\n\r\n`;
    for (let cut = 1; cut < ended.length; cut++) {
      let ends = 0;
      let body = '';
      const feed = dechunker((text) => (body += text), () => ends++);
      feed(ended.slice(0, cut));
      feed(ended.slice(cut));
      expect([ends, body], `cut at ${cut}`).toEqual([1, events]);
    }
  });
});
