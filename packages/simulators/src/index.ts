export {
  type DiscordSimulator,
  type DiscordSimulatorOptions,
  type InteractionOptionValue,
  type Json,
  type RecordedDiscordRequest,
  type RecordedIdentify,
  type SimulatedChannel,
  type SimulatedGuild,
  type SimulatedInteraction,
  type SimulatedUser,
  startDiscordSimulator,
  type WaitForRequestOptions,
} from './discord/index.js';
export { deterministicEmbedding, toBase64Float32 } from './openai/deterministic-embedding.js';
export { echoChatHandler, startOpenAISimulator } from './openai/openai-simulator.js';
export type {
  ChatHandler,
  ChatReply,
  ChatRequest,
  ContentReply,
  EmbeddingsHandler,
  EmbeddingsReply,
  EmbeddingsRequest,
  ErrorReply,
  HangReply,
  OpenAISimulator,
  OpenAISimulatorOptions,
  RecordedRequest,
  VectorsReply,
} from './openai/types.js';
