import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing/pglite-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

/** A frontend message: type byte, length, body. */
function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), length, body]);
}
const text = (value: string) => Buffer.from(`${value}\0`);
const int16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);
const int32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
};

/**
 * A connection speaking the wire protocol by hand, so a test can send one query's messages in
 * separate writes, as they arrive when a client's batch is split across reads.
 */
class RawConnection {
  readonly #socket: Socket;
  #received = Buffer.alloc(0);
  #waiting: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (data: Buffer) => {
      this.#received = Buffer.concat([this.#received, data]);
      this.#waiting?.();
    });
  }

  static async open(host: string, port: number): Promise<RawConnection> {
    const socket = connect(port, host);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const connection = new RawConnection(socket);
    const startup = Buffer.concat([
      int32(196608),
      text('user'),
      text('postgres'),
      text('database'),
      text('postgres'),
      Buffer.from([0]),
    ]);
    socket.write(Buffer.concat([int32(startup.length + 4), startup]));
    await connection.readyForQuery();
    return connection;
  }

  send(...messages: Buffer[]): void {
    this.#socket.write(Buffer.concat(messages));
  }

  /** The messages received up to the next ReadyForQuery, as [type, body] pairs; consumes them. */
  async readyForQuery(): Promise<[string, Buffer][]> {
    for (;;) {
      const messages: [string, Buffer][] = [];
      let offset = 0;
      while (offset + 5 <= this.#received.length) {
        const length = this.#received.readInt32BE(offset + 1);
        if (offset + 1 + length > this.#received.length) break;
        const type = String.fromCharCode(this.#received[offset] ?? 0);
        messages.push([type, this.#received.subarray(offset + 5, offset + 1 + length)]);
        offset += 1 + length;
        if (type === 'Z') {
          this.#received = this.#received.subarray(offset);
          return messages;
        }
      }
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
      });
    }
  }

  close(): void {
    this.#socket.end(message('X'));
  }
}

describe('startTestServer', () => {
  it("keeps one connection's extended-protocol query whole (regression: another's Parse in between ran its SQL with our parameters)", async () => {
    const first = await RawConnection.open(server.host, server.port);
    const other = new pg.Client({ connectionString: server.connectionString });
    await other.connect();
    try {
      // The Parse alone, as when a query's messages reach the server in two reads; another
      // connection's query in between; then the rest of the batch.
      first.send(message('P', text(''), text('SELECT $1::int + 1000 AS v'), int16(0)));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const otherQuery = other.query<{ other: string }>('SELECT $1::text AS other', ['from the other']);
      await new Promise((resolve) => setTimeout(resolve, 100));
      first.send(
        message('B', text(''), text(''), int16(0), int16(1), int32(1), Buffer.from('1'), int16(0)),
        message('D', Buffer.from('P'), text('')),
        message('E', text(''), int32(0)),
        message('S'),
      );
      const replies = await first.readyForQuery();
      expect(replies.filter(([type]) => type === 'E').map(([, body]) => body.toString())).toEqual([]);
      const values = replies.filter(([type]) => type === 'D').map(([, body]) => body.subarray(6).toString());
      expect(values).toEqual(['1001']);
      expect((await otherQuery).rows).toEqual([{ other: 'from the other' }]);
    } finally {
      first.close();
      await other.end();
    }
  });
});
