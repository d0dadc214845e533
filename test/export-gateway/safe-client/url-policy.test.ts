import { describe, expect, it } from 'vitest';
import { SafeClientError } from '../../../export-gateway/safe-client/errors.ts';
import { checkDestinationUrl } from '../../../export-gateway/safe-client/url-policy.ts';

const prod = { devMode: false };
function refusal(target: string, approved = target, options = prod): string {
  try {
    checkDestinationUrl(target, approved, options);
  } catch (error) {
    expect(error).toBeInstanceOf(SafeClientError);
    expect((error as SafeClientError).code).toBe('refused_url');
    expect((error as SafeClientError).retryable).toBe(false);
    return (error as Error).message;
  }
  throw new Error(`${target} was accepted`);
}

describe('checkDestinationUrl', () => {
  it('accepts an approved https URL and says where to connect', () => {
    const checked = checkDestinationUrl('https://ok.example/in?v=1', 'https://ok.example/in?v=1', prod);
    expect(checked).toMatchObject({ host: 'ok.example', port: 443, ipVersion: 0 });
    expect(
      checkDestinationUrl('https://[2606:4700::1111]:8443/x', 'https://[2606:4700::1111]:8443/x', prod),
    ).toMatchObject({ host: '2606:4700::1111', port: 8443, ipVersion: 6 });
  });

  it('refuses userinfo, even when the approved name is in it', () => {
    expect(refusal('https://ok.example@evil.example/in', 'https://ok.example/in')).toMatch(/userinfo/);
    expect(refusal('https://ok.example@evil.example/in')).toMatch(/userinfo/);
    expect(refusal('https://:@evil.example/')).toMatch(/userinfo/);
  });

  it('refuses backslashes (WHATWG would read them as slashes)', () => {
    expect(refusal('https://evil.example\\@ok.example/in')).toMatch(/backslash/);
    expect(refusal('https:\\\\ok.example\\in')).toMatch(/backslash/);
  });

  it('refuses trailing dots', () => {
    expect(refusal('https://ok.example./in')).toMatch(/ends with a dot/);
  });

  it('refuses IDN look-alikes but accepts approved punycode', () => {
    // Cyrillic а (U+0430) in place of Latin a
    expect(refusal('https://ex\u0430mple.com/in', 'https://example.com/in')).toMatch(/non-ASCII/);
    const puny = new URL('https://ex\u0430mple.com/').hostname;
    expect(puny.startsWith('xn--')).toBe(true);
    expect(checkDestinationUrl(`https://${puny}/in`, `https://${puny}/in`, prod).host).toBe(puny);
    expect(refusal(`https://${puny}/in`, 'https://example.com/in')).toMatch(/hostname .* differs/);
  });

  it.each([
    ['https://2130706433/', '127.0.0.1'],
    ['https://0x7f.1/', '127.0.0.1'],
    ['https://127.1/', '127.0.0.1'],
    ['https://017700000001/', '127.0.0.1'],
    ['https://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['https://ex%61mple.com/', 'example.com'],
  ])('refuses the non-canonical host %s (read as %s)', (url, canonical) => {
    expect(refusal(url)).toContain(`reads it as "${canonical}"`);
  });

  it('refuses other ports, paths, queries and hosts than the approved ones', () => {
    expect(refusal('https://ok.example:8443/in', 'https://ok.example/in')).toMatch(/port "8443"/);
    expect(refusal('https://ok.example/other', 'https://ok.example/in')).toMatch(/pathname "\/other"/);
    expect(refusal('https://ok.example/in?x=secret', 'https://ok.example/in')).toMatch(/search/);
    expect(refusal('https://ok.example.evil.example/in', 'https://ok.example/in')).toMatch(/hostname/);
  });

  it('refuses other schemes; http only in dev mode', () => {
    expect(refusal('http://ok.example/in')).toMatch(/scheme "http:"/);
    expect(refusal('ftp://ok.example/in', 'ftp://ok.example/in', { devMode: true })).toMatch(/scheme "ftp:"/);
    expect(refusal('file:///etc/passwd')).toMatch(/no host|scheme/);
    expect(refusal('https://ok.example/in', 'http://ok.example/in', { devMode: true })).toMatch(/protocol/);
    expect(
      checkDestinationUrl('http://127.0.0.1:8080/in', 'http://127.0.0.1:8080/in', { devMode: true }).port,
    ).toBe(8080);
  });

  it('refuses whitespace and control characters', () => {
    expect(refusal('https://ok.example/in\n')).toMatch(/control/);
    expect(refusal('https://ok.example/ in')).toMatch(/whitespace/);
  });
});
