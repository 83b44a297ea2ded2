import { describe, expect, it } from 'vitest';
import { assertPublicHost, isPublicAddress, PrivateAddressRefused } from './addressPolicy.ts';

describe('isPublicAddress', () => {
  it('refuses loopback, private, link-local, CGNAT, unspecified, multicast and mapped private addresses', () => {
    for (const a of [
      '127.0.0.1',
      '127.8.9.10',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'not-an-ip',
    ]) {
      expect(isPublicAddress(a), a).toBe(false);
    }
  });

  it('accepts public unicast addresses, IPv4 and IPv6', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '2001:4860:4860::8888', '::ffff:8.8.8.8']) expect(isPublicAddress(a), a).toBe(true);
  });
});

describe('assertPublicHost', () => {
  it('refuses a name that resolves to loopback', async () => {
    await expect(assertPublicHost('localhost')).rejects.toBeInstanceOf(PrivateAddressRefused);
  });

  it('refuses an IP literal without asking DNS', async () => {
    await expect(assertPublicHost('169.254.169.254')).rejects.toThrow(/169\.254\.169\.254/);
  });
});
