/**
 * `pnpm --filter @articleqa/discord-bot register`: registers the slash commands once, in DISCORD_GUILD_ID
 * when set (visible at once: for development) or globally. Run it after changing commands, not at every
 * start: registration is rate limited and global changes take a while to reach every client.
 */
import { DiscordAPIError, REST } from 'discord.js';
import { config as loadDotenv } from 'dotenv';
import { registerCommands } from './commands/index.js';
import { parseConfig } from './config.js';

async function register(): Promise<number> {
  const env: Record<string, string | undefined> = { ...process.env };
  loadDotenv({ processEnv: env, quiet: true });
  const parsed = parseConfig(env);
  if (!parsed.ok) {
    for (const problem of parsed.problems) process.stderr.write(`articleqa-bot register: ${problem}\n`);
    return 2;
  }
  const { discordToken, applicationId, guildId, apiUrl } = parsed.config;
  const rest = new REST({
    version: '10',
    hashSweepInterval: 0,
    handlerSweepInterval: 0,
    ...(apiUrl ? { api: apiUrl } : {}),
  });
  rest.setToken(discordToken);
  try {
    const count = await registerCommands(rest, {
      applicationId,
      guildId,
      maxQuestionLength: parsed.config.maxQuestionLength,
    });
    process.stdout.write(
      guildId
        ? `Registered ${count} commands in guild ${guildId}.\n`
        : `Registered ${count} global commands (they can take a few minutes to appear everywhere).\n`,
    );
    return 0;
  } catch (error) {
    const reason =
      error instanceof DiscordAPIError && error.status === 401
        ? 'Discord rejected DISCORD_TOKEN (401).'
        : String((error as Error).message ?? error);
    process.stderr.write(`articleqa-bot register: could not register commands: ${reason}\n`);
    return error instanceof DiscordAPIError && error.status === 401 ? 2 : 1;
  }
}

register().then((code) => {
  process.exitCode = code;
});
