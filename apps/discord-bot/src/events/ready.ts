import { type Client, Events } from 'discord.js';
import type { BotContext } from '../bot-context.js';

/** The event this handler listens to (registered with `once`: it fires once per login). */
export const name = Events.ClientReady;

/** Logs who the bot is and where, once the gateway has delivered the guilds. */
export function execute(context: BotContext, client: Client<true>): void {
  context.logger.info(
    {
      user: client.user.tag,
      guilds: client.guilds.cache.size,
      threadMode: context.config.threadMode,
      allowedChannels: context.config.allowedChannels ? [...context.config.allowedChannels] : 'all',
    },
    'ready',
  );
}
