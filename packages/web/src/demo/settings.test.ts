import { describe, expect, it } from 'vitest';
import { serviceUrls, settingsHref } from './settings.js';

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
