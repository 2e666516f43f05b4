import type {
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { BotContext } from '../bot-context.js';

/** A slash command in the discord.js template shape: its registration data and its handler. */
export interface Command {
  data: { readonly name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  /** Handles one use. Errors thrown here are logged and answered with an apology by the caller. */
  execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void>;
}
