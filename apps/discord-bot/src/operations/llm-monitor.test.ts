import { LLMError } from '@articleqa/core';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { LLMMonitor, llmErrorKind } from './llm-monitor.js';
import { BotMetrics } from './metrics.js';

function monitored() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line) => void lines.push(JSON.parse(line)) },
  });
  const metrics = new BotMetrics();
  return { lines, metrics, monitor: new LLMMonitor({ logger, metrics, warnAfter: 3 }) };
}

describe('LLMMonitor', () => {
  it('warns once a failure repeats, again at each doubling, and says when the LLM recovers', () => {
    const { lines, monitor } = monitored();
    const failure = { error: new LLMError('The LLM failed with a server error (500).', { status: 500 }) };
    for (let call = 0; call < 7; call += 1) monitor.record(failure);
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, 'the LLM keeps failing; answers are offline until it recovers'],
      [40, 'the LLM keeps failing; answers are offline until it recovers'],
    ]);
    monitor.record({});
    expect(lines.at(-1)).toMatchObject({ level: 30, msg: 'the LLM answers again', failedCalls: 7 });
  });

  it('reports a rejected key as an error at once and counts failures by kind', async () => {
    const { lines, metrics, monitor } = monitored();
    const rejected = { error: new LLMError('The LLM failed with 401.', { status: 401 }) };
    monitor.record(rejected);
    monitor.record(rejected);
    expect(lines.filter((line) => line.level === 50)).toHaveLength(1);
    expect(lines[0]?.msg).toMatch(/rejected the API key: check OPENAI_API_KEY/);
    const text = await metrics.registry.metrics();
    expect(text).toContain('articleqa_llm_errors_total{kind="auth"} 2');
  });

  it('tells the kinds apart', () => {
    expect(llmErrorKind(new LLMError('x', { status: 429 }))).toBe('rate_limit');
    expect(llmErrorKind(new LLMError('The LLM did not answer within 60 s.'))).toBe('timeout');
    expect(llmErrorKind(new LLMError('x', { status: 503 }))).toBe('server');
    expect(llmErrorKind(new Error('socket hang up'))).toBe('other');
  });
});
