import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { encodeReset, RESET_EVENT, type ResetData } from './stream.js';

function parse(text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(text);
  return events;
}

describe('encodeReset', () => {
  it('is one `reset` event without an id, naming the trimmed topics and the id asked for', () => {
    const [event, ...rest] = parse(encodeReset(['news', 'sport'], '5-0'));
    expect(rest).toEqual([]);
    expect(event?.event).toBe(RESET_EVENT);
    expect(event?.id).toBeUndefined();
    const data: ResetData = JSON.parse(event!.data);
    expect(data).toEqual({ reason: 'history_trimmed', topics: ['news', 'sport'], lastEventId: '5-0' });
  });
});
