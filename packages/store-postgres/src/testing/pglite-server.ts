// `@articleqa/store-postgres/testing`: a real Postgres for tests, from npm alone. Needs the optional peers
// @electric-sql/pglite, @electric-sql/pglite-pgvector and @electric-sql/pglite-socket.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** The password in test connection strings: PGlite accepts any, and no message may show it. */
export const TEST_PASSWORD = 'pw-must-not-leak-7f3a';

/** A Postgres server for tests: PGlite (Postgres in WebAssembly) with pgvector, on the wire protocol. */
export interface TestServer {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
  connectionString: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts PGlite with pgvector behind pglite-socket on a free loopback port. node-postgres talks to it
 * exactly as to a server, but every connection shares PGlite's single session (see the README).
 */
export async function startTestServer(): Promise<TestServer> {
  const db = await PGlite.create({ extensions: { vector } });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 100 });
  await server.start();
  const [host, port] = server.getServerConn().split(':') as [string, string];
  return {
    connectionString: `postgres://postgres:${TEST_PASSWORD}@${host}:${port}/postgres`,
    host,
    port: Number(port),
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
