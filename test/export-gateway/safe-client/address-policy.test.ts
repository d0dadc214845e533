import { describe, expect, it } from 'vitest';
import { addressRefusal, classifyAddress } from '../../../export-gateway/safe-client/address-policy.ts';

// Expected classes from the IANA IPv4/IPv6 special-purpose address registries (RFC 6890 and updates)
describe('classifyAddress', () => {
  it.each([
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.20', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.5', 'private'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::a00:5', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['100::1', 'reserved'],
  ])('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it.each([
    ['93.184.216.34'],
    ['8.8.8.8'],
    ['172.32.0.1'], // just past 172.16/12
    ['100.128.0.1'], // just past 100.64/10
    ['2606:4700::1111'],
    ['::ffff:8.8.8.8'],
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBe('public');
  });

  it('refuses a string that is not an IP address', () => {
    expect(() => classifyAddress('example.com')).toThrow(/not an IP address/);
  });
});

describe('addressRefusal', () => {
  const closed = { allowPrivate: false, devMode: false };
  it('allows public addresses under every policy', () => {
    expect(addressRefusal('8.8.8.8', closed)).toBeUndefined();
  });
  it('allows private addresses only for destinations approved as on the home network', () => {
    expect(addressRefusal('192.168.1.20', closed)).toMatch(/private.*home network/);
    expect(addressRefusal('192.168.1.20', { allowPrivate: true, devMode: false })).toBeUndefined();
    expect(addressRefusal('fd00::5', { allowPrivate: true, devMode: false })).toBeUndefined();
  });
  it('allows loopback only in dev mode, never through allowPrivate', () => {
    expect(addressRefusal('127.0.0.1', { allowPrivate: true, devMode: false })).toMatch(/loopback/);
    expect(addressRefusal('::ffff:127.0.0.1', { allowPrivate: true, devMode: false })).toMatch(/loopback/);
    expect(addressRefusal('127.0.0.1', { allowPrivate: false, devMode: true })).toBeUndefined();
  });
  it('never allows link-local (cloud metadata), CGNAT, multicast or unspecified', () => {
    const open = { allowPrivate: true, devMode: true };
    expect(addressRefusal('169.254.169.254', open)).toMatch(/link-local/);
    expect(addressRefusal('100.64.0.1', open)).toMatch(/cgnat/);
    expect(addressRefusal('224.0.0.1', open)).toMatch(/multicast/);
    expect(addressRefusal('0.0.0.0', open)).toMatch(/unspecified/);
  });
});
