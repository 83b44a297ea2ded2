import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Server-side request forgery guard for webhook URLs: an endpoint may only be reached on a public
 * unicast address. Loopback, private (RFC 1918, unique local), link-local (cloud metadata at
 * 169.254.169.254), carrier-grade NAT, unspecified, multicast and reserved ranges are refused;
 * IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** A URL refused by the address policy; its message names the host and the address. */
export class PrivateAddressRefused extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to ${address}, a loopback, private or link-local address: refused (set WEBHOOK_ALLOW_PRIVATE=true to allow)`);
    this.name = 'PrivateAddressRefused';
  }
}

/** The bare host of a URL (without the brackets of an IPv6 literal). */
export function urlHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Resolves a host the way a connection would (the system resolver, every address) and throws
 * PrivateAddressRefused when any address is not public: a host that answers with one public and one
 * private address could be steered to the private one.
 */
export async function assertPublicHost(host: string): Promise<void> {
  const addresses = net.isIP(host) ? [host] : (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  const bad = addresses.find((a) => !isPublicAddress(a));
  if (bad !== undefined) throw new PrivateAddressRefused(host, bad);
}

/**
 * A `lookup` for http.request that refuses non-public answers. It is the resolution the connection
 * then uses, so a DNS answer cannot change between the check and the connect (DNS rebinding).
 */
export const publicOnlyLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
    if (err) return callback(err, '', 0);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => !isPublicAddress(a.address));
    if (bad) return callback(new PrivateAddressRefused(hostname, bad.address) as NodeJS.ErrnoException, '', 0);
    if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    callback(null, list[0].address, list[0].family);
  });
};
