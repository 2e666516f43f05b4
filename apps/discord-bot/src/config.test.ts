import { describe, expect, it } from 'vitest';
import { DefaultBotConfig, parseConfig } from './config.js';

const token = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.secret-part_value';
const valid = { DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: '123456789012345678' };

describe('parseConfig', () => {
  it('applies documented defaults', () => {
    const result = parseConfig(valid);
    expect(result.ok && result.config).toMatchObject({
      ...DefaultBotConfig,
      allowedChannels: undefined,
      guildId: undefined,
    });
  });

  it('reads every setting', () => {
    const result = parseConfig({
      ...valid,
      DISCORD_GUILD_ID: '223456789012345678',
      DISCORD_API_URL: 'http://127.0.0.1:9999/api',
      ARTICLEQA_ALLOWED_CHANNELS: '323456789012345678, 423456789012345678',
      ARTICLEQA_THREAD_MODE: 'on',
      ARTICLEQA_COOLDOWN_SECONDS: '0',
      ARTICLEQA_GUILD_CONCURRENCY: '4',
      ARTICLEQA_QUEUE_SIZE: '0',
      ARTICLEQA_MAX_QUESTION_LENGTH: '300',
      ARTICLEQA_INDEX: '/data/index',
      ARTICLEQA_METRICS_PORT: '9464',
      ARTICLEQA_METRICS_HOST: '0.0.0.0',
      ARTICLEQA_COLLECTIONS: 'per-guild',
      ARTICLEQA_FEED_POLL_SECONDS: '300',
      ARTICLEQA_ADMIN_GUILDS: '523456789012345678',
      LOG_LEVEL: 'DEBUG',
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config).toMatchObject({
      guildId: '223456789012345678',
      threadMode: true,
      cooldownSeconds: 0,
      guildConcurrency: 4,
      queueSize: 0,
      maxQuestionLength: 300,
      indexDir: '/data/index',
      metricsPort: 9464,
      metricsHost: '0.0.0.0',
      collections: 'per-guild',
      feedPollSeconds: 300,
      logLevel: 'debug',
    });
    expect([...(result.config.allowedChannels ?? [])]).toEqual(['323456789012345678', '423456789012345678']);
  });

  it('reports every problem on its own line and never prints the token', () => {
    const badToken = 'Bot abc.def.ghi-secret';
    const result = parseConfig({
      DISCORD_TOKEN: badToken,
      DISCORD_APPLICATION_ID: 'abc',
      ARTICLEQA_COOLDOWN_SECONDS: '-1',
      ARTICLEQA_THREAD_MODE: 'maybe',
      ARTICLEQA_ALLOWED_CHANNELS: '1,x',
      ARTICLEQA_METRICS_PORT: 'prometheus',
      ARTICLEQA_COLLECTIONS: 'each',
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toHaveLength(7);
    for (const problem of problems) {
      expect(problem).not.toContain('secret');
      expect(problem).not.toContain('\n');
    }
    expect(problems[0]).toMatch(/DISCORD_TOKEN must be the bare token/);
  });

  it('says what to do when the token is missing or malformed', () => {
    expect(parseConfig({ DISCORD_APPLICATION_ID: '123456789012345678' })).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^DISCORD_TOKEN is missing/)],
    });
    const malformed = parseConfig({ ...valid, DISCORD_TOKEN: '"quoted token"' });
    expect(malformed.ok ? [] : malformed.problems).toEqual([
      expect.stringMatching(/does not look like a bot token/),
    ]);
  });
});
