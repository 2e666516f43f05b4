import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { BotContext } from '../bot-context.js';

/** A slash command in the discord.js template shape: its registration data and its handler. */
export interface Command {
  data: { readonly name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  /** Handles one use. Errors thrown here are logged and answered with an apology by the caller. */
  execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void>;
  /** Offers choices for an option being typed (at most 25); only for commands with autocompleted options. */
  autocomplete?(interaction: AutocompleteInteraction, context: BotContext): Promise<void>;
}
