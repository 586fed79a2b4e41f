import { describe, expect, it } from 'vitest';
import { feedUrl, pageToken, serviceUrls, settingsHref } from './settings.js';

describe('serviceUrls', () => {
  it('defaults to the standard ports on the page host', () => {
    expect(serviceUrls('', 'example.test')).toEqual({
      gateway: 'ws://example.test:8080/ws',
      stream: 'http://example.test:8088',
      warnings: [],
    });
  });

  it('takes ?gateway= and ?stream= when they are URLs of the right kind', () => {
    const urls = serviceUrls('?gateway=wss://chat.example/ws&stream=https://events.example', 'x');
    expect(urls).toMatchObject({ gateway: 'wss://chat.example/ws', stream: 'https://events.example/' });
  });

  it('ignores a bad value, keeps the default and says why', () => {
    const urls = serviceUrls('?gateway=http://wrong/ws&stream=not%20a%20url', 'h');
    expect(urls.gateway).toBe('ws://h:8080/ws');
    expect(urls.stream).toBe('http://h:8088');
    expect(urls.warnings).toHaveLength(2);
    expect(urls.warnings[0]).toMatch(/gateway/);
  });
});

describe('settingsHref', () => {
  it('sets both parameters and keeps the others', () => {
    const href = settingsHref('http://127.0.0.1:5173/?x=1', 'ws://a:1/ws', 'http://b:2');
    const url = new URL(href);
    expect(url.searchParams.get('x')).toBe('1');
    expect(url.searchParams.get('gateway')).toBe('ws://a:1/ws');
    expect(url.searchParams.get('stream')).toBe('http://b:2');
  });
});

describe('pageToken and feedUrl', () => {
  it('reads ?token= trimmed, and nothing when absent or blank', () => {
    expect(pageToken('?gateway=ws://a/ws&token=%20abc.def.ghi%20')).toBe('abc.def.ghi');
    expect(pageToken('?token=')).toBeUndefined();
    expect(pageToken('')).toBeUndefined();
  });

  it('puts the token on the /sse URL, and leaves the URL alone without one', () => {
    expect(feedUrl('http://h:8088/', 'a.b.c')).toBe('http://h:8088/sse?token=a.b.c');
    expect(feedUrl('https://e.example/sse', 'x&y')).toBe('https://e.example/sse?token=x%26y');
    expect(feedUrl('http://h:8088/', undefined)).toBe('http://h:8088/');
  });
});
