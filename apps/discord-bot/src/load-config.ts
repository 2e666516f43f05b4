import { config as loadDotenv } from 'dotenv';
import { type BotConfig, parseConfig } from './config.js';

/** The validated configuration and the environment it came from. */
export interface LoadedConfig {
  config: BotConfig;
  env: Record<string, string | undefined>;
}

/**
 * Reads the environment once, with `.env` filling in what it does not set (process.env itself is left
 * untouched), and validates it. Each problem goes to `report` as one line; undefined means invalid.
 */
export function loadConfig(report: (line: string) => void): LoadedConfig | undefined {
  const env: Record<string, string | undefined> = { ...process.env };
  loadDotenv({ processEnv: env, quiet: true });
  const parsed = parseConfig(env);
  if (!parsed.ok) {
    for (const problem of parsed.problems) report(problem);
    return undefined;
  }
  return { config: parsed.config, env };
}
