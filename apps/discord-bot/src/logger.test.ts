import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('never writes the token or an API key, by field name or inside text', () => {
    const lines: string[] = [];
    const token = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.very-secret-token';
    const logger = createLogger({
      level: 'info',
      secrets: [token, 'sk-test-0123456789'],
      destination: { write: (line: string) => void lines.push(line) },
    });
    logger.info({ config: { discordToken: token }, headers: { authorization: `Bot ${token}` } }, 'starting');
    logger.error({ err: new Error(`request failed with ${token} and sk-test-0123456789`) }, 'failed');
    const output = lines.join('');
    expect(output).not.toContain(token);
    expect(output).not.toContain('sk-test-0123456789');
    expect(output).toContain('[redacted]');
  });
});
