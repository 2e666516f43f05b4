import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Json, snowflake } from './payloads.js';

/** Gateway opcodes the simulator speaks (https://discord.com/developers/docs/topics/opcodes-and-status-codes). */
const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  Resume: 6,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

/** One identified gateway connection: a shard of the bot. */
interface Session {
  socket: WebSocket;
  sequence: number;
  shardId: number;
  shardCount: number;
  ready: boolean;
}

/** What the gateway needs from the simulator when a shard identifies. */
export interface GatewayHost {
  token: string;
  heartbeatIntervalMs: number;
  /** READY, then the events that follow it (GUILD_CREATE per guild of this shard). */
  onIdentify(shardId: number, shardCount: number, sessionId: string): Array<{ event: string; data: Json }>;
}

/** True when a guild belongs to the shard, by Discord's rule `(guild_id >> 22) % shard_count`. */
export function guildShard(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/**
 * The gateway WebSocket: HELLO, IDENTIFY -> READY, heartbeats acked, and dispatch of events to the
 * shard that owns the guild. Plain JSON text frames only: discord.js sends `encoding=json`, and uses
 * zlib only when the optional zlib-sync package is installed (it still accepts plain frames then).
 */
export class SimulatedGateway {
  readonly #server = new WebSocketServer({ noServer: true });
  readonly #sessions = new Set<Session>();
  readonly #host: GatewayHost;

  constructor(host: GatewayHost) {
    this.#host = host;
    this.#server.on('connection', (socket) => this.#accept(socket));
  }

  /** Open gateway connections, identified or not. */
  get connections(): number {
    return this.#server.clients.size;
  }

  /** Takes over an HTTP upgrade request for `/gateway`. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#server.handleUpgrade(request, socket, head, (ws) => this.#server.emit('connection', ws, request));
  }

  /** Sends a dispatch event to every ready shard, or only to the shard of `guildId` when given. */
  dispatch(event: string, data: Json, guildId?: string): void {
    for (const session of this.#sessions) {
      if (!session.ready) continue;
      if (guildId !== undefined && guildShard(guildId, session.shardCount) !== session.shardId) continue;
      this.#send(session, { op: Op.Dispatch, t: event, s: ++session.sequence, d: data });
    }
  }

  /** Drops every connection at once, like a network loss. */
  close(): void {
    for (const socket of this.#server.clients) socket.terminate();
    this.#sessions.clear();
    this.#server.close();
  }

  #accept(socket: WebSocket): void {
    const session: Session = { socket, sequence: 0, shardId: 0, shardCount: 1, ready: false };
    socket.on('message', (raw) => this.#receive(session, String(raw)));
    socket.on('close', () => this.#sessions.delete(session));
    // Errors end in 'close'; the listener only keeps them from becoming uncaught exceptions.
    socket.on('error', () => {});
    this.#send(session, { op: Op.Hello, d: { heartbeat_interval: this.#host.heartbeatIntervalMs } });
  }

  #receive(session: Session, raw: string): void {
    let payload: { op?: number; d?: unknown };
    try {
      payload = JSON.parse(raw) as typeof payload;
    } catch {
      session.socket.close(4002, 'Decode error');
      return;
    }
    switch (payload.op) {
      case Op.Heartbeat:
        this.#send(session, { op: Op.HeartbeatAck });
        return;
      case Op.Identify:
        this.#identify(session, (payload.d ?? {}) as Json);
        return;
      case Op.Resume:
        // Sessions are not kept: answer "not resumable" so discord.js identifies afresh.
        this.#send(session, { op: Op.InvalidSession, d: false });
        return;
      default:
        // Presence updates, voice state and member requests need no answer here.
        return;
    }
  }

  #identify(session: Session, data: Json): void {
    if (data.token !== this.#host.token) {
      session.socket.close(4004, 'Authentication failed.');
      return;
    }
    const shard = Array.isArray(data.shard) ? (data.shard as number[]) : [0, 1];
    session.shardId = shard[0] ?? 0;
    session.shardCount = shard[1] ?? 1;
    session.ready = true;
    this.#sessions.add(session);
    for (const { event, data: eventData } of this.#host.onIdentify(
      session.shardId,
      session.shardCount,
      snowflake(),
    )) {
      this.#send(session, { op: Op.Dispatch, t: event, s: ++session.sequence, d: eventData });
    }
  }

  #send(session: Session, payload: Json): void {
    if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify(payload));
  }
}
