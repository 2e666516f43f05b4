import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { AbortError, ArticleQAError, LLMError } from '../shared/errors.js';

/** How to reach an OpenAI-compatible endpoint; shared by the chat model and the embedder. */
export interface OpenAIConnectionOptions {
  /**
   * Endpoint root the SDK appends `/chat/completions` and `/embeddings` to: `https://api.openai.com/v1`,
   * `http://localhost:11434/v1` (Ollama), `http://localhost:8000/v1` (vLLM), `http://localhost:1234/v1`
   * (LM Studio), `http://localhost:8080/v1` (llama.cpp), or for Azure OpenAI either
   * `https://RESOURCE.openai.azure.com/openai/v1` or
   * `https://RESOURCE.openai.azure.com/openai/deployments/DEPLOYMENT` with `defaultQuery` `api-version`.
   */
  baseURL: string;
  /**
   * Sent as `Authorization: Bearer <apiKey>`. Optional because local servers need none; a placeholder is
   * sent then, since the SDK refuses to start without a key and would otherwise read `OPENAI_API_KEY`
   * from the environment behind the app's back.
   */
  apiKey?: string;
  /**
   * Milliseconds to wait for the response headers of one attempt (the SDK's `timeout`); streams also
   * fail when no chunk arrives for this long.
   * @defaultValue 30000
   */
  timeoutMs?: number;
  /**
   * Retries after a connection error, timeout, 408, 409, 429 or 5xx, with the SDK's backoff (it honours
   * `retry-after` headers).
   * @defaultValue 2
   */
  maxRetries?: number;
  /** Replaces the global `fetch` (proxies, tests). */
  fetch?: typeof globalThis.fetch;
  /** Extra headers on every request, e.g. Azure's `{ 'api-key': KEY }`. */
  headers?: Record<string, string>;
  /** Extra query parameters on every request, e.g. Azure's `{ 'api-version': '2024-10-21' }`. */
  defaultQuery?: Record<string, string>;
}

/** Defaults of {@link OpenAIConnectionOptions}. */
export const DefaultOpenAIConnectionOptions = {
  timeoutMs: 30_000,
  maxRetries: 2,
} as const satisfies Partial<OpenAIConnectionOptions>;

/** Sent when no key is configured; see {@link OpenAIConnectionOptions.apiKey}. */
export const PLACEHOLDER_API_KEY = 'no-api-key';

/**
 * Builds the SDK client. Every setting the SDK would otherwise take from the environment (key,
 * organization, project, log level) is passed explicitly, so configuration stays in the app.
 */
export function createOpenAIClient(options: OpenAIConnectionOptions): OpenAI {
  return new OpenAI({
    baseURL: options.baseURL,
    apiKey: options.apiKey || PLACEHOLDER_API_KEY,
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    // The library does not log; errors reach the app as values.
    logLevel: 'off',
    timeout: options.timeoutMs ?? DefaultOpenAIConnectionOptions.timeoutMs,
    maxRetries: options.maxRetries ?? DefaultOpenAIConnectionOptions.maxRetries,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.headers ? { defaultHeaders: options.headers } : {}),
    ...(options.defaultQuery ? { defaultQuery: options.defaultQuery } : {}),
  });
}

/** What {@link toLLMError} needs to word a message. */
export interface ErrorContext {
  /** `Chat` or `Embeddings`: starts the message. */
  operation: string;
  baseURL: string;
  apiKey: string | undefined;
  timeoutMs: number;
  /** The caller's signal: when aborted, any failure is the user's cancellation. */
  signal: AbortSignal | undefined;
}

/**
 * Maps whatever the SDK threw to an {@link AbortError} (user cancelled) or a one-line {@link LLMError}
 * with status, `isRetryable` and the original error as `cause`. Messages never contain the API key:
 * server text is redacted before it is quoted. Errors that are already ours pass through.
 */
export function toLLMError(error: unknown, context: ErrorContext): ArticleQAError {
  if (error instanceof ArticleQAError) return error;
  if (context.signal?.aborted || error instanceof APIUserAbortError) {
    return new AbortError(undefined, { cause: error });
  }
  const prefix = `${context.operation} request to ${hostOf(context.baseURL)}`;
  if (error instanceof APIConnectionTimeoutError) {
    return new LLMError(`${prefix} timed out after ${context.timeoutMs} ms.`, {
      cause: error,
      isRetryable: true,
      hint: 'Check that the endpoint is up, or raise the timeout.',
    });
  }
  if (error instanceof APIConnectionError) {
    const code = findErrorCode(error);
    return new LLMError(`${prefix} could not connect${code ? ` (${code})` : ''}.`, {
      cause: error,
      isRetryable: true,
      hint: 'Check the base URL and that the server is running.',
    });
  }
  if (error instanceof APIError && error.status !== undefined) {
    const { status } = error;
    const detail = serverMessage(error, context.apiKey);
    const [what, hint, isRetryable] = describeStatus(status, error.code);
    // A 401 body may echo part of the key ("Incorrect API key provided: sk-...abcd"), so it is not quoted.
    const quoted = detail && status !== 401 ? `: ${detail}` : '';
    return new LLMError(`${prefix} failed with ${what} (${status})${quoted}`.replace(/\.?$/, '.'), {
      cause: error,
      status,
      isRetryable,
      hint,
    });
  }
  const message = error instanceof Error ? redact(error.message, context.apiKey) : 'unknown error';
  return new LLMError(`${prefix} failed: ${message}`.replace(/\.?$/, '.'), { cause: error });
}

function describeStatus(status: number, code: string | null | undefined): [string, string, boolean] {
  if (status === 401) return ['an authentication error', 'Check the API key for this endpoint.', false];
  if (status === 403) return ['a permission error', 'Check that the key may use this model.', false];
  if (status === 404) {
    return [
      'not found',
      'Check the model name, and that the base URL ends where the API starts (often /v1).',
      false,
    ];
  }
  if (status === 429 && code === 'insufficient_quota') {
    return ['insufficient quota', 'Check the billing of this API account.', false];
  }
  if (status === 429) return ['rate limiting', 'Wait a little, or lower the request rate.', true];
  if (status >= 500) return ['a server error', 'The endpoint failed; try again later.', true];
  return ['a client error', 'Check the model name and request settings.', status === 408 || status === 409];
}

function serverMessage(error: APIError, apiKey: string | undefined): string {
  const body = error.error as { message?: unknown } | undefined;
  const text = typeof body?.message === 'string' ? body.message : '';
  return redact(text, apiKey).replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** Removes the key, and anything shaped like an OpenAI key, from text quoted into a message. */
function redact(text: string, apiKey: string | undefined): string {
  const withoutKey = apiKey ? text.split(apiKey).join('***') : text;
  return withoutKey.replace(/\bsk-[\w*.-]+/g, 'sk-***').replace(/[\r\n]+/g, ' ');
}

/** `host:port` of the base URL, for messages (never the path or query, which may carry secrets). */
export function hostOf(baseURL: string): string {
  try {
    return new URL(baseURL).host;
  } catch {
    return 'the endpoint';
  }
}

/** Finds a system error code (`ECONNREFUSED`, `ENOTFOUND`) down the cause chain of a fetch failure. */
function findErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Object && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
