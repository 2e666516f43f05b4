import { type REST, type RESTPutAPIApplicationCommandsResult, Routes } from 'discord.js';
import { articles } from './articles.js';
import { ask } from './ask.js';
import type { Command } from './command.js';
import { feedsCommand } from './feeds.js';
import { help } from './help.js';
import { sources } from './sources.js';

export type { Command } from './command.js';

/** Every slash command of the bot. */
export const commands: readonly Command[] = [ask, sources, help, articles, feedsCommand];

/** Commands by name, for dispatching interactions. */
export const commandsByName: ReadonlyMap<string, Command> = new Map(
  commands.map((command) => [command.data.name, command]),
);

/**
 * Registers the slash commands with one bulk overwrite: in `guildId` when given (visible at once, for
 * development), otherwise globally. Returns the number of commands Discord now has.
 */
export async function registerCommands(
  rest: REST,
  options: {
    applicationId: string;
    guildId?: string | undefined;
    /** The longest question the bot takes: `/ask`'s option is registered with it, so Discord refuses longer ones itself. */
    maxQuestionLength?: number;
  },
): Promise<number> {
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.applicationId, options.guildId)
    : Routes.applicationCommands(options.applicationId);
  const result = (await rest.put(route, {
    body: commands.map((command) => {
      const json = command.data.toJSON();
      if (command.data.name !== 'ask' || options.maxQuestionLength === undefined) return json;
      // The same limit registration and the check apply, so a user never types what is then refused.
      return {
        ...json,
        options: json.options?.map((option) =>
          option.name === 'question' ? { ...option, max_length: options.maxQuestionLength } : option,
        ),
      };
    }),
  })) as RESTPutAPIApplicationCommandsResult;
  return result.length;
}
