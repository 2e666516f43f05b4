/**
 * `node dist/shard.js` (`pnpm --filter @articleqa/discord-bot start:sharded`): runs the bot under
 * discord.js's ShardingManager, one `dist/main.js` process per shard, for bots in more than ~2,500 guilds
 * (Discord requires sharding from there). Each shard process is a whole bot: it loads the model and opens
 * the index itself (read-only use of the same index directory), so memory grows with the shard count.
 * DISCORD_SHARD_COUNT sets the number of shards; by default Discord recommends it ('auto').
 * SIGINT/SIGTERM are passed on to every shard, which shuts down gracefully as `main` does alone; the
 * manager exits once every shard has, with 0 when all of them stopped cleanly and 1 otherwise.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  DiscordAPIError,
  REST,
  type RESTGetAPIGatewayBotResult,
  Routes,
  type Shard,
  ShardingManager,
} from 'discord.js';
import type { BotConfig } from './config.js';
import { loadConfig } from './load-config.js';

const EXIT_FAILURE = 1;
const EXIT_CONFIG = 2;
/** How long shards may take beyond their own shutdown timeout before they are killed. */
const STOP_GRACE_MS = 15_000;
/** How long a shard may take to load the index and become ready at start. */
const READY_TIMEOUT_MS = 60_000;

function say(line: string): void {
  process.stdout.write(`articleqa-bot shard: ${line}\n`);
}

function fail(line: string): void {
  process.stderr.write(`articleqa-bot shard: ${line}\n`);
}

/**
 * The shard count Discord recommends. discord.js's `'auto'` asks discord.com itself, ignoring any other
 * API base URL, so the count is fetched here where DISCORD_API_URL is honoured.
 */
async function recommendedShardCount(config: BotConfig): Promise<number> {
  const rest = new REST({
    version: '10',
    hashSweepInterval: 0,
    handlerSweepInterval: 0,
    ...(config.apiUrl ? { api: config.apiUrl } : {}),
  }).setToken(config.discordToken);
  const { shards } = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  return shards;
}

async function runShards(): Promise<number> {
  const loaded = loadConfig(fail);
  if (!loaded) return EXIT_CONFIG;
  const { config, env } = loaded;
  const shardCount = env.DISCORD_SHARD_COUNT?.trim() || 'auto';
  if (shardCount !== 'auto' && !/^[1-9]\d*$/.test(shardCount)) {
    fail(`DISCORD_SHARD_COUNT must be a positive whole number or auto (got "${shardCount}").`);
    return EXIT_CONFIG;
  }
  // DISCORD_SHARD_IDS: this host's share of the shards when several hosts run them (the total is then
  // DISCORD_SHARD_COUNT, which every host must agree on).
  const shardIdsText = env.DISCORD_SHARD_IDS?.trim();
  let shardList: number[] | undefined;
  if (shardIdsText) {
    shardList = shardIdsText
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    const count = Number(shardCount);
    if (shardCount === 'auto' || shardList.some((id) => !Number.isInteger(id) || id < 0 || id >= count)) {
      fail(
        `DISCORD_SHARD_IDS must list shard ids from 0 to DISCORD_SHARD_COUNT - 1, and DISCORD_SHARD_COUNT must be set (got "${shardIdsText}" of ${shardCount}).`,
      );
      return EXIT_CONFIG;
    }
  }
  let totalShards: number;
  try {
    totalShards = shardCount === 'auto' ? await recommendedShardCount(config) : Number(shardCount);
  } catch (error) {
    if (error instanceof DiscordAPIError && error.status === 401) {
      fail(
        'Discord rejected DISCORD_TOKEN (401 Unauthorized): reset the token in the Developer Portal and update DISCORD_TOKEN.',
      );
      return EXIT_CONFIG;
    }
    fail(`Could not ask Discord for the recommended shard count: ${(error as Error).message}`);
    return EXIT_FAILURE;
  }

  // No respawn while starting: discord.js would restart a shard that dies before ready (a missing index,
  // say) again and again while spawn() has already failed. Respawn is turned on once all are ready.
  const manager = new ShardingManager(fileURLToPath(new URL('./main.js', import.meta.url)), {
    token: config.discordToken,
    totalShards,
    ...(shardList ? { shardList } : {}),
    respawn: false,
  });
  /** The live process of each shard, kept here because Shard#kill forgets it at once. */
  const processes = new Map<number, ChildProcess>();
  /** Exit codes of the shards stopped by {@link stop}; a SIGTERM death counts as a clean stop. */
  const stopCodes: Array<number | null> = [];
  let stopping: Promise<number> | undefined;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });

  /** Sends SIGTERM to every shard (each drains as `main` does), waits for all, returns the exit code. */
  const stop = (): Promise<number> => {
    stopping ??= (async () => {
      // Shard#kill sends SIGTERM and removes discord.js's respawn listener.
      for (const shard of manager.shards.values()) if (shard.process) shard.kill();
      const deadline = setTimeout(
        () => {
          for (const child of processes.values()) child.kill('SIGKILL');
        },
        config.shutdownTimeoutSeconds * 1000 + STOP_GRACE_MS,
      );
      // A loop, not one Promise.all: a shard forked while stopping is killed and waited for as well.
      while (processes.size > 0) await Promise.race([...processes.values()].map(exitOf));
      clearTimeout(deadline);
      return stopCodes.every((code) => code === 0) ? 0 : EXIT_FAILURE;
    })();
    return stopping;
  };
  const fatal = (message: string) => {
    fail(message);
    void stop().then(() => finish(EXIT_FAILURE));
  };

  manager.on('shardCreate', (shard: Shard) => {
    shard.on('spawn', (spawned) => {
      // The manager runs in its default 'process' mode: a shard is a child process, not a worker.
      const child = spawned as ChildProcess;
      processes.set(shard.id, child);
      child.once('exit', (code, signal) => {
        processes.delete(shard.id);
        // A shard stopped before it installed its own signal handlers ends by the signal itself.
        if (stopping) stopCodes.push(signal === 'SIGTERM' ? 0 : code);
        else say(`shard ${shard.id} exited (${signal ?? `code ${code}`})`);
      });
      say(`shard ${shard.id} started (pid ${child.pid})`);
      // Forked while stopping: stop it too, once discord.js has attached its own listeners.
      if (stopping) setImmediate(() => shard.process && shard.kill());
    });
    // Emitted when a respawn fails: run all shards or none, so a supervisor restarts the whole bot.
    shard.on('error', (error: Error) => fatal(`shard ${shard.id} could not be restarted: ${error.message}`));
  });

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // Passed on: each shard tells a repeated signal ("exit now") from a copy of the first (see main).
      for (const child of processes.values()) child.kill(signal);
      return;
    }
    say(`${signal}: stopping ${processes.size} shard${processes.size === 1 ? '' : 's'}`);
    void stop().then(finish);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const here = shardList?.length ?? totalShards;
  const which = shardList ? ` (ids ${shardList.join(', ')} of ${totalShards})` : '';
  say(`starting ${here} shard${here === 1 ? '' : 's'}${which}`);
  // Shards are spawned one by one, respecting Discord's identify rate limit.
  manager.spawn({ timeout: READY_TIMEOUT_MS }).then(
    () => {
      if (stopping) return;
      manager.respawn = true;
      say(`all ${here} shard${here === 1 ? '' : 's'} ready`);
    },
    (error: unknown) => {
      if (!stopping) fatal(`a shard did not start: ${(error as Error).message}`);
    },
  );
  // Running: the shards' IPC channels keep the manager alive until a signal or a failure ends it.
  return finished;
}

/** Resolves when the child process has exited (at once if it already has). */
function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

runShards().then(
  (code) => process.exit(code),
  (error: unknown) => {
    fail((error as Error).message ?? String(error));
    process.exit(EXIT_FAILURE);
  },
);
