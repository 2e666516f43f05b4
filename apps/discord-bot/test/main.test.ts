import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DiscordSimulator, startDiscordSimulator } from '@articleqa/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationId, botUser, guildId, token } from './harness.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
let simulator: DiscordSimulator;
let workDir: string;

beforeAll(async () => {
  simulator = await startDiscordSimulator({ token, applicationId, botUser, guilds: [] });
  // An empty working directory: no stray .env is read.
  workDir = await mkdtemp(join(tmpdir(), 'articleqa-bot-'));
});

afterAll(async () => {
  await simulator?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Runs a built script with only the given environment, in an empty directory. */
function run(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(appDir, script)], {
      cwd: workDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: workDir,
        ARTICLEQA_INDEX: join(workDir, 'no-index'),
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('node dist/main.js', () => {
  it('exits non-zero with one clear line when Discord rejects the token, without printing it', async () => {
    const wrongToken = 'MTEwMDAwMDAwMDAwMDAwMDAx.wrong.not-the-right-secret';
    const result = await run('dist/main.js', {
      DISCORD_TOKEN: wrongToken,
      DISCORD_APPLICATION_ID: applicationId,
      DISCORD_API_URL: simulator.apiUrl,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'articleqa-bot: Discord rejected DISCORD_TOKEN (401 Unauthorized): reset the token in the Developer Portal and update DISCORD_TOKEN.\n',
    );
    expect(result.stdout + result.stderr).not.toContain('not-the-right-secret');
    expect(simulator.requests.find((request) => request.path === '/users/@me')?.status).toBe(401);
  });

  it('exits 2 naming ARTICLEQA_BOT_DATA_DIR when the data folder cannot be written', async () => {
    const notAFolder = join(workDir, 'a-file');
    await writeFile(notAFolder, 'not a folder');
    const result = await run('dist/main.js', {
      DISCORD_TOKEN: token,
      DISCORD_APPLICATION_ID: applicationId,
      DISCORD_API_URL: simulator.apiUrl,
      ARTICLEQA_BOT_DATA_DIR: join(notAFolder, 'data'),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^articleqa-bot: Cannot write the bot's data folder .*a-file\/data \(ARTICLEQA_BOT_DATA_DIR\): /,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits non-zero listing every configuration problem, one line each', async () => {
    const result = await run('dist/main.js', {
      DISCORD_APPLICATION_ID: 'not-an-id',
      ARTICLEQA_GUILD_CONCURRENCY: '0',
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^articleqa-bot: DISCORD_TOKEN is missing/),
      expect.stringMatching(/^articleqa-bot: DISCORD_APPLICATION_ID must be a numeric Discord id/),
      expect.stringMatching(
        /^articleqa-bot: ARTICLEQA_GUILD_CONCURRENCY must be a whole number from 1 to 64/,
      ),
    ]);
  });

  it('registers the slash commands with the register script', async () => {
    const result = await run('dist/register.js', {
      DISCORD_TOKEN: token,
      DISCORD_APPLICATION_ID: applicationId,
      DISCORD_GUILD_ID: guildId,
      DISCORD_API_URL: simulator.apiUrl,
    });
    expect(result).toMatchObject({
      code: 0,
      stdout: `Registered 5 commands in guild ${guildId}.\n`,
      stderr: '',
    });
    const put = simulator.requests.find((request) => request.method === 'PUT');
    expect(put?.path).toBe(`/applications/${applicationId}/guilds/${guildId}/commands`);
  });
});
