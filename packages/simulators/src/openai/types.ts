import type { IncomingHttpHeaders } from 'node:http';

/** One HTTP request the simulator received, recorded before it was answered. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Query string parameters (Azure sends `api-version` here). */
  query: Record<string, string>;
  /** Headers as node received them (lower-case names), `authorization` included. */
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or `undefined` when there was none. */
  body: unknown;
}

/** The parts of a chat completion request the simulator reads. */
export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: unknown }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
}

/** The parts of an embeddings request the simulator reads. */
export interface EmbeddingsRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  dimensions?: number;
  encoding_format?: 'float' | 'base64';
  [key: string]: unknown;
}

/** Answer with an HTTP error: status, optional JSON body (an OpenAI-style one by default) and headers. */
export interface ErrorReply {
  status: number;
  body?: unknown;
  /** Extra response headers, e.g. `{ 'retry-after': '0' }`. */
  headers?: Record<string, string>;
}

/** Never answer: the connection stays open until the client gives up or the simulator closes. */
export interface HangReply {
  hang: true;
}

/** Answer a chat request with text. Streamed when the request asked for `stream: true`. */
export interface ContentReply {
  content: string;
  /**
   * How the text is split into stream chunks.
   * @defaultValue words with their trailing whitespace
   */
  chunks?: string[];
  /**
   * Pause before each streamed chunk, in milliseconds.
   * @defaultValue 0
   */
  delayMsPerChunk?: number;
  /** When streaming, stop sending (but keep the connection open) after this many chunks. */
  hangAfterChunks?: number;
  /** @defaultValue `'stop'` */
  finishReason?: string;
  /** Model name reported back. @defaultValue the requested model */
  model?: string;
}

/** What a chat handler returns. */
export type ChatReply = ContentReply | ErrorReply | HangReply;

/** Decides the answer to one chat completion request. */
export type ChatHandler = (request: ChatRequest, recorded: RecordedRequest) => ChatReply | Promise<ChatReply>;

/** Answer an embeddings request with these vectors (one per input, in order). */
export interface VectorsReply {
  vectors: number[][];
}

/** What an embeddings handler returns; `undefined` means "use the deterministic default". */
export type EmbeddingsReply = VectorsReply | ErrorReply | HangReply | undefined;

/** Decides the answer to one embeddings request. */
export type EmbeddingsHandler = (
  request: EmbeddingsRequest,
  recorded: RecordedRequest,
) => EmbeddingsReply | Promise<EmbeddingsReply>;

/** Options for {@link startOpenAISimulator}. */
export interface OpenAISimulatorOptions {
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401. */
  apiKey?: string;
  /** @defaultValue a handler that echoes the last user message */
  chatHandler?: ChatHandler;
  /** @defaultValue deterministic hashed bag-of-words vectors */
  embeddingsHandler?: EmbeddingsHandler;
  /**
   * Vector length when the request does not give `dimensions`.
   * @defaultValue 1536
   */
  defaultDimensions?: number;
  /**
   * Model ids listed by `GET /v1/models`.
   * @defaultValue `['sim-chat', 'sim-embed']`
   */
  models?: string[];
}

/** A running simulator. */
export interface OpenAISimulator {
  /** `http://127.0.0.1:PORT/v1`, ready for `new OpenAI({ baseURL })`. */
  readonly baseURL: string;
  /** Every request received, oldest first. Tests may clear it with `requests.length = 0`. */
  readonly requests: RecordedRequest[];
  setChatHandler(handler: ChatHandler): void;
  setEmbeddingsHandler(handler: EmbeddingsHandler): void;
  /** Stops listening and destroys open connections, hung ones included. */
  close(): Promise<void>;
}
