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
  const server = new PGLiteSocketServer({
    db: keepExtendedQueriesWhole(db),
    host: '127.0.0.1',
    port: 0,
    maxConnections: 100,
  });
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

/** First bytes of the frontend messages of an extended-protocol query, up to (not with) its Sync. */
const EXTENDED_QUERY_MESSAGES = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((type) => type.charCodeAt(0)));
const SYNC = 'S'.charCodeAt(0);
const SIMPLE_QUERY = 'Q'.charCodeAt(0);
const TERMINATE = 'X'.charCodeAt(0);

/**
 * pglite-socket (0.2.17) runs the protocol messages of every connection one at a time, in arrival order,
 * on PGlite's single session, and keeps one connection's messages together only inside a transaction
 * block (it asks `db.isInTransaction()`). An extended-protocol query (Parse, Bind, Describe, Execute,
 * then Sync: what node-postgres sends for every query with parameters) whose messages reach it in more
 * than one read can then interleave with another connection's. Seen here: another connection's Parse
 * replaced the unnamed statement, so the first connection's Bind ran the other's SQL with its own
 * parameters and got the other's rows back; or a simple query in between dropped the statement
 * (`unnamed prepared statement does not exist`). It shows under load, with several processes on one
 * server (two ingest workers, pg-boss's pollers, `stats`).
 *
 * Reporting "in a transaction" from a connection's first extended-protocol message until its Sync
 * makes pglite-socket serve that connection alone until the query is whole, as separate sessions on
 * a server would. A connection that goes away mid-query is handled as one that goes away inside a
 * transaction: pglite-socket rolls back (a no-op here) and serves the others again.
 */
function keepExtendedQueriesWhole(db: PGlite): PGlite {
  let midQuery = false;
  const execProtocolRawStream: PGlite['execProtocolRawStream'] = async (message, options) => {
    const type = message[0] ?? 0;
    if (EXTENDED_QUERY_MESSAGES.has(type)) midQuery = true;
    try {
      await db.execProtocolRawStream(message, options);
    } finally {
      if (type === SYNC || type === SIMPLE_QUERY || type === TERMINATE) midQuery = false;
    }
  };
  const isInTransaction = () => midQuery || db.isInTransaction();
  const exec: PGlite['exec'] = (query, options) => {
    // pglite-socket's clean-up after a connection left mid-query or mid-transaction: a ROLLBACK.
    midQuery = false;
    return db.exec(query, options);
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'execProtocolRawStream') return execProtocolRawStream;
      if (property === 'isInTransaction') return isInTransaction;
      if (property === 'exec') return exec;
      // PGlite keeps its state in private fields: its methods must run on PGlite itself.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
