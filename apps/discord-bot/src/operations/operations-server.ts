import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What `/healthz` reports. */
export interface HealthReport {
  /** `ok` answers 200; anything else 503, so a load balancer or supervisor can act on it. */
  status: 'ok' | 'starting' | 'disconnected' | 'stopping';
  [detail: string]: unknown;
}

/** Options of {@link startOperationsServer}. */
export interface OperationsServerOptions {
  /** Address to bind. Keep it on loopback or a private interface: the endpoints have no authentication. */
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  registry: Registry;
  health(): HealthReport;
}

/** A running operations server. */
export interface OperationsServer {
  /** `http://host:port`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format, from `registry`) and `GET /healthz` (JSON, 200 when the
 * bot is connected and taking questions, 503 otherwise) on `host:port`. Anything else is a 404.
 */
export async function startOperationsServer(options: OperationsServerOptions): Promise<OperationsServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
      );
    } else if (path === '/healthz') {
      const report = options.health();
      response
        .writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(report)}\n`);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: try /metrics or /healthz\n');
    }
  });
  // Scrapers keep connections alive; they must not hold the process at shutdown.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
