import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Loopback, private, link-local (cloud metadata), carrier-grade NAT, multicast and unspecified ranges. */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 3],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv6');

/** True for an address the bot must not fetch on a server admin's behalf (an IPv4-mapped IPv6 address included). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** A URL that may not be fetched, with the reason in words a server admin understands. */
export class BlockedUrlError extends Error {
  readonly code = 'E_URL_BLOCKED';
  constructor(host: string) {
    super(`${host} is a private or local address, which the bot does not fetch for Discord users.`);
    this.name = 'BlockedUrlError';
  }
}

/**
 * Throws {@link BlockedUrlError} when `url`'s host is, or resolves to, a private or local address: a
 * Discord server admin must not make the bot read the operator's own network (an internal service, a
 * cloud metadata endpoint).
 */
export async function assertPublicUrl(url: string): Promise<void> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  if (addresses.some(isPrivateAddress)) throw new BlockedUrlError(host);
}

/** Redirects followed before giving up, as browsers and undici do. */
const MAX_REDIRECTS = 20;

/**
 * `fetch` that checks every URL with {@link assertPublicUrl} before requesting it: the pages a feed
 * links to, not only the URL typed, and every redirect (followed here, one hop at a time, since a public
 * page may redirect to a private address).
 */
export function publicOnlyFetch(fetchImpl: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    let request: RequestInit = { ...init, redirect: 'manual' };
    for (let hop = 0; ; hop++) {
      await assertPublicUrl(url);
      const response = await fetchImpl(url, request);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status > 399 || location === null || init?.redirect === 'manual')
        return response;
      if (hop === MAX_REDIRECTS) throw new TypeError(`Too many redirects fetching ${url}.`);
      await response.body?.cancel();
      url = new URL(location, url).href;
      // As fetch does: a 303, or a 301/302 after a POST, becomes a GET without a body.
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && request.method === 'POST')
      ) {
        const { body: _body, ...rest } = request;
        request = { ...rest, method: 'GET' };
      }
    }
  };
}
