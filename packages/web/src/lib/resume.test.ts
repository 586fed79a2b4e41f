import { describe, expect, it } from 'vitest';
import { ChatResume, streamUrl } from './resume.js';

describe('ChatResume', () => {
  it('joins fresh without since, rejoins from the last delivered id', () => {
    const resume = new ChatResume();
    resume.want('lobby');
    expect(resume.joinFrame('lobby', true)).toEqual({ type: 'join', room: 'lobby' });
    expect(resume.accept('lobby', '10-1')).toBe(true);
    expect(resume.accept('lobby', '10-3')).toBe(true);
    expect(resume.accept('lobby', '10-2')).toBe(true);
    expect(resume.joinFrame('lobby', true)).toEqual({ type: 'join', room: 'lobby', since: '10-3' });
    expect(resume.joinFrame('lobby', false)).toEqual({ type: 'join', room: 'lobby' });
  });

  it('keeps rooms apart', () => {
    const resume = new ChatResume();
    expect(resume.accept('a', '10-1')).toBe(true);
    expect(resume.accept('b', '10-1')).toBe(true);
    expect(resume.accept('a', '10-1')).toBe(false);
    expect(resume.lastId('b')).toBe('10-1');
    expect(resume.lastId('c')).toBeUndefined();
  });

  it('forgets a room it left but still recognises the messages it delivered', () => {
    const resume = new ChatResume();
    resume.want('a');
    resume.want('b');
    resume.accept('a', '10-1');
    resume.unwant('a');
    expect(resume.rooms()).toEqual(['b']);
    expect(resume.wants('a')).toBe(false);
    expect(resume.accept('a', '10-1')).toBe(false);
  });
});

describe('streamUrl', () => {
  it('adds /sse to an origin and one topic parameter per topic', () => {
    expect(streamUrl('http://h:8088', ['time', 'chat.lobby'])).toBe('http://h:8088/sse?topic=time&topic=chat.lobby');
  });

  it('keeps an explicit path and replaces topics and lastEventId already in the URL', () => {
    expect(streamUrl('http://h:8088/sse/?topic=x&lastEventId=1-1', ['a'], '5-2')).toBe(
      'http://h:8088/sse/?topic=a&lastEventId=5-2',
    );
  });

  it('throws on something that is not a URL', () => {
    expect(() => streamUrl('not a url', ['a'])).toThrow(TypeError);
  });
});
