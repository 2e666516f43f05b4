/**
 * `node dist/shard.js` (`pnpm --filter @articleqa/discord-bot start:sharded`): runs the bot under
 * discord.js's ShardingManager, one `dist/main.js` process per shard, for bots in more than ~2,500 guilds
 * (Discord requires sharding from there). Each shard process is a whole bot: it loads the model and opens
 * the index itself (read-only use of the same index directory), so memory grows with the shard count.
 * DISCORD_SHARD_COUNT sets the number of shards; by default Discord recommends it ('auto').
 * SIGINT/SIGTERM are passed on to every shard, which shuts down gracefully as `main` does alone.
 */
import { fileURLToPath } from 'node:url';
import { ShardingManager } from 'discord.js';
import { config as loadDotenv } from 'dotenv';
import { parseConfig } from './config.js';

async function runShards(): Promise<number> {
  const env: Record<string, string | undefined> = { ...process.env };
  loadDotenv({ processEnv: env, quiet: true });
  const parsed = parseConfig(env);
  if (!parsed.ok) {
    for (const problem of parsed.problems) process.stderr.write(`articleqa-bot shard: ${problem}\n`);
    return 2;
  }
  const shardCount = env.DISCORD_SHARD_COUNT?.trim() || 'auto';
  if (shardCount !== 'auto' && !/^[1-9]\d*$/.test(shardCount)) {
    process.stderr.write(
      `articleqa-bot shard: DISCORD_SHARD_COUNT must be a positive whole number or auto (got "${shardCount}").\n`,
    );
    return 2;
  }
  const manager = new ShardingManager(fileURLToPath(new URL('./main.js', import.meta.url)), {
    token: parsed.config.discordToken,
    totalShards: shardCount === 'auto' ? 'auto' : Number(shardCount),
    respawn: true,
  });
  manager.on('shardCreate', (shard) =>
    process.stdout.write(`articleqa-bot shard: launched shard ${shard.id}\n`),
  );

  const stop = async () => {
    // Shard#kill sends SIGTERM and removes the respawn listener; each shard then drains as main does.
    await Promise.all(
      [...manager.shards.values()].map(
        (shard) =>
          new Promise<void>((resolve) => {
            const child = shard.process;
            if (!child || child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            shard.kill();
          }),
      ),
    );
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  // Shards are spawned one by one, respecting Discord's identify rate limit; a shard that never gets
  // ready within the timeout fails the start.
  await manager.spawn({ timeout: 60_000 });
  return 0;
}

runShards().then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`articleqa-bot shard: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
