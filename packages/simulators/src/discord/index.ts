export {
  type CommandInteractionInput,
  type DiscordSimulator,
  type DiscordSimulatorOptions,
  type InteractionInput,
  type InteractionOptionValue,
  type RecordedDiscordRequest,
  type RecordedIdentify,
  type SimulatedInteraction,
  startDiscordSimulator,
  type WaitForRequestOptions,
} from './discord-simulator.js';
export type { Json, SimulatedChannel, SimulatedGuild, SimulatedUser } from './payloads.js';
