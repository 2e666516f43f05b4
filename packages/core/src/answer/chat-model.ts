/** One message of a conversation. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Options for one chat model call. */
export interface ChatCallOptions {
  signal?: AbortSignal;
  /** Overrides the model's configured temperature. */
  temperature?: number;
  /** Overrides the model's configured completion token limit. */
  maxTokens?: number;
}

/** Token counts reported by the endpoint. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** The outcome of a completed chat call. */
export interface ChatResult {
  text: string;
  /** Model name the endpoint reported. */
  model: string;
  usage?: TokenUsage;
  finishReason?: string;
}

/** A streamed chat call yields text deltas, then one `finish` part. */
export type ChatStreamPart = { type: 'text-delta'; text: string } | { type: 'finish'; result: ChatResult };

/** A chat completion model. Errors are {@link LLMError}s that never contain the API key. */
export interface ChatModel {
  /** Identifies endpoint and model, for reports (`openai:gpt-4o-mini`). */
  readonly id: string;
  generate(messages: readonly ChatMessage[], options?: ChatCallOptions): Promise<ChatResult>;
  stream(messages: readonly ChatMessage[], options?: ChatCallOptions): AsyncIterable<ChatStreamPart>;
}
