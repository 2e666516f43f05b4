import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import {
  createOpenAIClient,
  DefaultOpenAIConnectionOptions,
  hostOf,
  type OpenAIConnectionOptions,
  toLLMError,
} from '../providers/openai-client.js';
import { AbortError, type ArticleQAError, LLMError, throwIfAborted } from '../shared/errors.js';
import type {
  ChatCallOptions,
  ChatMessage,
  ChatModel,
  ChatResult,
  ChatStreamPart,
  TokenUsage,
} from './chat-model.js';

/** Options for {@link createOpenAIChatModel}. */
export interface OpenAIChatModelOptions extends OpenAIConnectionOptions {
  /** Model (or Azure deployment) name, e.g. `gpt-4o-mini`, `llama3.1:8b`. */
  model: string;
  /**
   * Low by default: answers should stick to the sources, not be creative.
   * @defaultValue 0.1
   */
  temperature?: number;
  /**
   * Completion token limit.
   * @defaultValue 512
   */
  maxTokens?: number;
  /**
   * Request field carrying `maxTokens`. `max_tokens` is what most OpenAI-compatible servers understand;
   * OpenAI's reasoning models (o-series, gpt-5) accept only `max_completion_tokens`.
   * @defaultValue `'max_tokens'`
   */
  maxTokensParameter?: 'max_tokens' | 'max_completion_tokens';
}

/** Defaults of {@link OpenAIChatModelOptions}. */
export const DefaultOpenAIChatModelOptions = {
  ...DefaultOpenAIConnectionOptions,
  temperature: 0.1,
  maxTokens: 512,
  maxTokensParameter: 'max_tokens',
} as const satisfies Partial<OpenAIChatModelOptions>;

/**
 * A {@link ChatModel} over the Chat Completions API of OpenAI or any compatible server (Azure OpenAI,
 * Ollama, vLLM, LM Studio, llama.cpp), through the official `openai` SDK. Failures become
 * {@link LLMError}s (cancellation an {@link AbortError}) whose messages never contain the key.
 */
export class OpenAIChatModel implements ChatModel {
  /** `openai:<model>`. */
  readonly id: string;
  readonly #client: OpenAI;
  readonly #options: OpenAIChatModelOptions &
    Required<Pick<OpenAIChatModelOptions, keyof typeof DefaultOpenAIChatModelOptions>>;

  constructor(options: OpenAIChatModelOptions) {
    this.#options = { ...DefaultOpenAIChatModelOptions, ...options };
    this.#client = createOpenAIClient(this.#options);
    this.id = `openai:${options.model}`;
  }

  /** One non-streaming completion. */
  async generate(messages: readonly ChatMessage[], options: ChatCallOptions = {}): Promise<ChatResult> {
    throwIfAborted(options.signal);
    try {
      const completion = await this.#client.chat.completions.create(this.#body(messages, options), {
        signal: options.signal,
      });
      const choice = completion.choices[0];
      return result(choice?.message.content ?? '', completion.model, completion.usage, choice?.finish_reason);
    } catch (error) {
      throw this.#error(error, options.signal);
    }
  }

  /**
   * Streams text deltas, then a `finish` part with the whole text and the usage the server reports
   * (`stream_options.include_usage`). The SDK's timeout only covers waiting for the response headers,
   * so a stream that stalls for `timeoutMs` between chunks is aborted here and fails with a retryable
   * {@link LLMError}.
   */
  async *stream(
    messages: readonly ChatMessage[],
    options: ChatCallOptions = {},
  ): AsyncIterable<ChatStreamPart> {
    throwIfAborted(options.signal);
    const controller = new AbortController();
    const forwardAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', forwardAbort, { once: true });
    let stalled = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const restartIdleTimer = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, this.#options.timeoutMs);
    };
    try {
      const body = {
        ...this.#body(messages, options),
        stream: true,
        stream_options: { include_usage: true },
      } as const;
      const stream = await this.#client.chat.completions.create(body, { signal: controller.signal });
      restartIdleTimer();
      let text = '';
      let model = this.#options.model;
      let usage: CompletionUsage | undefined;
      let finishReason: string | undefined;
      for await (const chunk of stream) {
        restartIdleTimer();
        model = chunk.model || model;
        usage = chunk.usage ?? usage;
        const choice = chunk.choices[0];
        finishReason = choice?.finish_reason ?? finishReason;
        const delta = choice?.delta.content;
        if (delta) {
          text += delta;
          yield { type: 'text-delta', text: delta };
        }
      }
      // The SDK ends iteration quietly when its signal aborts, so cancelled and stalled streams land here.
      if (options.signal?.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
      if (stalled) throw this.#stalledError();
      yield { type: 'finish', result: result(text, model, usage, finishReason) };
    } catch (error) {
      throw stalled && !options.signal?.aborted
        ? this.#stalledError(error)
        : this.#error(error, options.signal);
    } finally {
      clearTimeout(idleTimer);
      options.signal?.removeEventListener('abort', forwardAbort);
    }
  }

  #body(messages: readonly ChatMessage[], options: ChatCallOptions): ChatCompletionCreateParamsNonStreaming {
    return {
      model: this.#options.model,
      messages: messages.map(({ role, content }) => ({ role, content })),
      temperature: options.temperature ?? this.#options.temperature,
      [this.#options.maxTokensParameter]: options.maxTokens ?? this.#options.maxTokens,
    };
  }

  #error(error: unknown, signal: AbortSignal | undefined): ArticleQAError {
    const { baseURL, apiKey, timeoutMs } = this.#options;
    return toLLMError(error, { operation: 'Chat', baseURL, apiKey, timeoutMs, signal });
  }

  #stalledError(cause?: unknown): LLMError {
    if (cause instanceof LLMError) return cause;
    return new LLMError(
      `Chat stream from ${hostOf(this.#options.baseURL)} stalled for ${this.#options.timeoutMs} ms.`,
      {
        cause,
        isRetryable: true,
        hint: 'Check that the endpoint is healthy, or raise the timeout.',
      },
    );
  }
}

function result(
  text: string,
  model: string,
  usage: CompletionUsage | null | undefined,
  finishReason: string | null | undefined,
): ChatResult {
  const tokenUsage: TokenUsage | undefined = usage
    ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens }
    : undefined;
  return {
    text,
    model,
    ...(tokenUsage ? { usage: tokenUsage } : {}),
    ...(finishReason ? { finishReason } : {}),
  };
}

/**
 * Creates an {@link OpenAIChatModel}.
 *
 * @example
 * ```ts
 * const local = createOpenAIChatModel({ baseURL: 'http://localhost:11434/v1', model: 'llama3.1:8b' });
 * const azure = createOpenAIChatModel({
 *   baseURL: 'https://my-resource.openai.azure.com/openai/deployments/gpt-4o-mini',
 *   model: 'gpt-4o-mini',
 *   headers: { 'api-key': azureKey },
 *   defaultQuery: { 'api-version': '2024-10-21' },
 * });
 * ```
 */
export function createOpenAIChatModel(options: OpenAIChatModelOptions): OpenAIChatModel {
  return new OpenAIChatModel(options);
}
