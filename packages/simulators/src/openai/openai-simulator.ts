import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { deterministicEmbedding, toBase64Float32 } from './deterministic-embedding.js';
import type {
  ChatHandler,
  ChatReply,
  ChatRequest,
  ContentReply,
  EmbeddingsHandler,
  EmbeddingsRequest,
  ErrorReply,
  OpenAISimulator,
  OpenAISimulatorOptions,
  RecordedRequest,
} from './types.js';

const errorMessages: Record<number, [message: string, type: string, code: string | null]> = {
  400: ['Invalid request.', 'invalid_request_error', null],
  401: ['Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'],
  404: ['Not found.', 'invalid_request_error', 'not_found'],
  429: ['Rate limit reached. Please try again later.', 'requests', 'rate_limit_exceeded'],
  500: ['The server had an error while processing your request.', 'server_error', null],
};

/** The default chat handler: replies `Echo: <last user message>`. */
export const echoChatHandler: ChatHandler = (request) => {
  const lastUser = request.messages.findLast((message) => message.role === 'user');
  const content =
    typeof lastUser?.content === 'string' ? lastUser.content : JSON.stringify(lastUser?.content ?? '');
  return { content: `Echo: ${content}` };
};

/** Rough token count for `usage`: a quarter of the characters, like OpenAI's rule of thumb. */
const approximateTokens = (text: string): number => Math.ceil(text.length / 4);

/**
 * Starts an OpenAI-compatible HTTP server on 127.0.0.1 (random port) for tests: chat completions
 * (JSON and SSE streaming), embeddings (float or base64) and the model list. Every request is recorded.
 *
 * @example
 * ```ts
 * const sim = await startOpenAISimulator();
 * const client = new OpenAI({ baseURL: sim.baseURL, apiKey: 'test-key' });
 * sim.setChatHandler(() => ({ status: 429, headers: { 'retry-after': '0' } }));
 * await sim.close();
 * ```
 */
export async function startOpenAISimulator(options: OpenAISimulatorOptions = {}): Promise<OpenAISimulator> {
  let chatHandler = options.chatHandler ?? echoChatHandler;
  let embeddingsHandler: EmbeddingsHandler = options.embeddingsHandler ?? (() => undefined);
  const defaultDimensions = options.defaultDimensions ?? 1536;
  const models = options.models ?? ['sim-chat', 'sim-embed'];
  const requests: RecordedRequest[] = [];
  // Aborted by close(): ends pending chunk delays so no timer outlives the simulator.
  const lifetime = new AbortController();
  let completionCount = 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const text = await readBody(request);
    let body: unknown;
    let invalidJson = false;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      invalidJson = true;
    }
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      body,
    };
    requests.push(recorded);
    if (invalidJson)
      return sendError(response, { status: 400, body: errorBody('Body is not valid JSON.', 400) });
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendError(response, { status: 401 });
    }
    const route = `${recorded.method} ${url.pathname}`;
    if (route === 'POST /v1/chat/completions' && isChatRequest(body)) {
      return reply(response, body, await chatHandler(body, recorded));
    }
    if (route === 'POST /v1/embeddings' && isEmbeddingsRequest(body)) {
      return embeddings(response, body, recorded);
    }
    if (route === 'GET /v1/models') {
      const data = models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'simulator' }));
      return sendJson(response, 200, { object: 'list', data });
    }
    const known = ['/v1/chat/completions', '/v1/embeddings', '/v1/models'].includes(url.pathname);
    const status = known ? 400 : 404;
    sendError(response, {
      status,
      body: errorBody(`${known ? 'Invalid request to' : 'Unknown route'} ${route}.`, status),
    });
  }

  async function reply(response: ServerResponse, request: ChatRequest, chatReply: ChatReply): Promise<void> {
    if ('hang' in chatReply) return;
    if ('status' in chatReply) return sendError(response, chatReply);
    const id = `chatcmpl-sim-${++completionCount}`;
    const model = chatReply.model ?? request.model;
    const finishReason = chatReply.finishReason ?? 'stop';
    const promptText = request.messages.map((message) => JSON.stringify(message.content)).join('\n');
    const usage = {
      prompt_tokens: approximateTokens(promptText),
      completion_tokens: approximateTokens(chatReply.content),
      total_tokens: approximateTokens(promptText) + approximateTokens(chatReply.content),
    };
    const base = { id, created: Math.floor(Date.now() / 1000), model, system_fingerprint: null };
    if (request.stream !== true) {
      const message = { role: 'assistant', content: chatReply.content, refusal: null };
      const choices = [{ index: 0, message, finish_reason: finishReason, logprobs: null }];
      return sendJson(response, 200, { ...base, object: 'chat.completion', choices, usage });
    }
    const includeUsage = request.stream_options?.include_usage === true;
    const chunk = (delta: object, finish: string | null, extra: object = {}) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...(includeUsage ? { usage: null } : {}),
      ...extra,
    });
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
    send(chunk({ role: 'assistant', content: '' }, null));
    const pieces = chatReply.chunks ?? splitIntoChunks(chatReply.content);
    for (const [index, piece] of pieces.entries()) {
      if (index === chatReply.hangAfterChunks) return;
      if (!(await pause(chatReply)) || response.destroyed) return;
      send(chunk({ content: piece }, null));
    }
    send(chunk({}, finishReason));
    if (includeUsage) send({ ...chunk({}, null), choices: [], usage });
    response.end('data: [DONE]\n\n');
  }

  /** Waits `delayMsPerChunk`; false when the simulator closed meanwhile. */
  async function pause(chatReply: ContentReply): Promise<boolean> {
    if (!chatReply.delayMsPerChunk) return !lifetime.signal.aborted;
    return sleep(chatReply.delayMsPerChunk, true, { signal: lifetime.signal }).catch(() => false);
  }

  async function embeddings(response: ServerResponse, request: EmbeddingsRequest, recorded: RecordedRequest) {
    const inputs = toTextInputs(request.input);
    const custom = await embeddingsHandler(request, recorded);
    if (custom && 'hang' in custom) return;
    if (custom && 'status' in custom) return sendError(response, custom);
    const dimensions = request.dimensions ?? defaultDimensions;
    const vectors = custom?.vectors ?? inputs.map((input) => deterministicEmbedding(input, dimensions));
    const base64 = request.encoding_format === 'base64';
    const data = vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? toBase64Float32(vector) : vector,
    }));
    const tokens = inputs.reduce((sum, input) => sum + approximateTokens(input), 0);
    sendJson(response, 200, {
      object: 'list',
      data,
      model: request.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) response.destroy();
      else
        sendError(response, {
          status: 500,
          body: errorBody(`Simulator handler failed: ${String(error)}`, 500),
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    setChatHandler(handler) {
      chatHandler = handler;
    },
    setEmbeddingsHandler(handler) {
      embeddingsHandler = handler;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        lifetime.abort();
        server.close(() => resolve());
        // Hung and keep-alive connections would otherwise hold server.close() open forever.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function errorBody(message: string, status: number) {
  const [, type, code] = errorMessages[status] ?? errorMessages[500]!;
  return { error: { message, type, param: null, code } };
}

function sendError(response: ServerResponse, { status, body, headers }: ErrorReply): void {
  const [message] = errorMessages[status] ?? [`Simulated error ${status}.`];
  sendJson(response, status, body ?? errorBody(message, status), headers);
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** Words with their trailing whitespace, so joining the chunks gives back the text exactly. */
function splitIntoChunks(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text === '' ? [] : [text]);
}

/** Token-id inputs become space-joined strings: the simulator only needs something stable to hash. */
function toTextInputs(input: EmbeddingsRequest['input']): string[] {
  if (typeof input === 'string') return [input];
  if (input.every((item) => typeof item === 'number')) return [input.join(' ')];
  return input.map((item) => (Array.isArray(item) ? item.join(' ') : String(item)));
}

function isChatRequest(body: unknown): body is ChatRequest {
  const candidate = body as Partial<ChatRequest> | undefined;
  return typeof candidate?.model === 'string' && Array.isArray(candidate.messages);
}

function isEmbeddingsRequest(body: unknown): body is EmbeddingsRequest {
  const candidate = body as Partial<EmbeddingsRequest> | undefined;
  return (
    typeof candidate?.model === 'string' &&
    (typeof candidate.input === 'string' || Array.isArray(candidate.input))
  );
}
