import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockedUrlError, isPrivateAddress, publicOnlyFetch } from './url-guard.js';

describe('isPrivateAddress', () => {
  it('covers loopback, private, link-local and mapped addresses, not public ones', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '169.254.169.254',
      '192.168.1.1',
      '::1',
      '::ffff:127.0.0.1',
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const address of ['93.184.216.34', '2606:2800:220:1::1'])
      expect(isPrivateAddress(address), address).toBe(false);
  });
});

describe('publicOnlyFetch', () => {
  // The server is on loopback, so the test stands in a public address (93.184.216.34) for it: the fetch
  // given to publicOnlyFetch serves that host's paths from the server and fails on any other host.
  let server: Server;
  let origin: string;
  const requested: string[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      requested.push(request.url ?? '');
      const target: Record<string, string> = {
        '/to-private': 'http://127.0.0.1:9/metadata',
        '/hop': '/final',
        '/see-other': '/final',
      };
      const location = target[request.url ?? ''];
      if (location) response.writeHead(request.url === '/see-other' ? 303 : 302, { location }).end();
      else response.writeHead(200, { 'content-type': 'text/plain' }).end(`${request.method} ${request.url}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** A fetch that serves `http://93.184.216.34/...` (a public address) from the loopback server. */
  const throughServer: typeof fetch = (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (url.hostname !== '93.184.216.34') throw new Error(`reached ${url.href}`);
    return fetch(`${origin}${url.pathname}`, init);
  };

  it('follows redirects between public addresses, turning a 303 into a GET', async () => {
    const guarded = publicOnlyFetch(throughServer);
    expect(await (await guarded('http://93.184.216.34/hop')).text()).toBe('GET /final');
    expect(
      await (await guarded('http://93.184.216.34/see-other', { method: 'POST', body: 'x' })).text(),
    ).toBe('GET /final');
  });

  it('refuses a redirect to a private address before requesting it', async () => {
    const guarded = publicOnlyFetch(throughServer);
    const before = requested.length;
    await expect(guarded('http://93.184.216.34/to-private')).rejects.toBeInstanceOf(BlockedUrlError);
    expect(requested.slice(before)).toEqual(['/to-private']);
    await expect(guarded('http://127.0.0.1/anything')).rejects.toBeInstanceOf(BlockedUrlError);
  });
});
