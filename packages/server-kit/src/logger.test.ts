import { describe, expect, it } from 'vitest';
import { redactUrl } from './logger.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl';

describe('redactUrl', () => {
  it('hides tokens in query strings', () => {
    expect(redactUrl('/ws?name=a&token=abc.def.ghi')).toBe('/ws?name=a&token=[redacted]');
    expect(redactUrl('/ws?token=x#y')).toBe('/ws?token=[redacted]#y');
    expect(redactUrl('/sse?topic=a')).toBe('/sse?topic=a');
    expect(redactUrl('/sse')).toBe('/sse');
  });

  it.each([
    ['%74oken', `/ws?%74oken=opaque1234`, '/ws?%74oken=[redacted]'],
    ['%74%6f%6b%65%6e', `/ws?%74%6f%6b%65%6e=opaque1234`, '/ws?%74%6f%6b%65%6e=[redacted]'],
    ['Token', `/ws?Token=opaque1234`, '/ws?Token=[redacted]'],
    ['TOKEN', `/ws?a=1&TOKEN=opaque1234&b=2`, '/ws?a=1&TOKEN=[redacted]&b=2'],
    ['access_token', `/ws?access_token=opaque1234`, '/ws?access_token=[redacted]'],
    ['access%5Ftoken', `/ws?access%5Ftoken=opaque1234`, '/ws?access%5Ftoken=[redacted]'],
    ['id_token', `/cb?id_token=opaque1234`, '/cb?id_token=[redacted]'],
    ['auth_signature', `/apps/1/events?auth_key=k&auth_signature=opaque1234`, '/apps/1/events?auth_key=k&auth_signature=[redacted]'],
    ['a repeated key', `/ws?token=opaque1234&token=opaque5678`, '/ws?token=[redacted]&token=[redacted]'],
  ])('redacts the token by its parsed key: %s', (_name, url, expected) => {
    expect(redactUrl(url)).toBe(expected);
    expect(redactUrl(url)).not.toMatch(/opaque/);
  });

  it('cuts anything shaped like a JWT, wherever it is', () => {
    expect(redactUrl(`/ws/${JWT}`)).toBe('/ws/[redacted]');
    expect(redactUrl(`/ws?${JWT}`)).toBe('/ws?[redacted]');
    expect(redactUrl(`/ws?x=${JWT}`)).toBe('/ws?x=[redacted]');
  });

  it('keeps other parameters exactly as sent', () => {
    expect(redactUrl('/sse?topic=a%2Eb&topic=c+d&lastEventId=1-0')).toBe('/sse?topic=a%2Eb&topic=c+d&lastEventId=1-0');
  });
});
