import { isArticleQAError } from '@articleqa/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIngestQueue, type IngestQueue, type IngestQueueOptions } from '../src/index.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../src/testing/pglite-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const opened: IngestQueue[] = [];
afterEach(async () => {
  for (const queue of opened.splice(0)) await queue.close();
});

let schemas = 0;
/** A queue in a schema nobody has used yet, polling often so the tests do not wait on it. */
function freshQueue(options: Partial<IngestQueueOptions> = {}): IngestQueue {
  const queue = createIngestQueue({
    connectionString: server.connectionString,
    schema: `queue_${++schemas}`,
    pollingIntervalSeconds: 0.5,
    ...options,
  });
  opened.push(queue);
  return queue;
}

/** Another queue object on the same schema, as another process would open it. */
function sameQueue(queue: IngestQueue): IngestQueue {
  const other = createIngestQueue({
    connectionString: server.connectionString,
    schema: queue.schema,
    pollingIntervalSeconds: 0.5,
  });
  opened.push(other);
  return other;
}

async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('IngestQueue', () => {
  it('counts nothing, and creates nothing, before the first use', async () => {
    const queue = freshQueue();
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, deadLettered: 0 });
  });

  it('queues one job per source, a source still waiting only once, and works them all', async () => {
    const producer = freshQueue();
    expect(await producer.enqueue(['/articles/a.md', '/articles/b.md', '/articles/a.md'])).toBe(2);
    // Another process queues the same source again while its job waits: still one job.
    expect(await sameQueue(producer).enqueue(['/articles/b.md', 'https://example.com/c.html'])).toBe(1);
    expect(await producer.counts()).toMatchObject({ waiting: 3, active: 0, completed: 0 });

    const worker = sameQueue(producer);
    const seen: string[] = [];
    const controller = new AbortController();
    const working = worker.work(
      async (source) => {
        seen.push(source);
      },
      { signal: controller.signal, concurrency: 2 },
    );
    await until(async () => (await producer.counts()).completed === 3);
    controller.abort();
    await working;
    expect(seen.sort()).toEqual(['/articles/a.md', '/articles/b.md', 'https://example.com/c.html']);
    expect(await producer.counts()).toEqual({
      waiting: 0,
      active: 0,
      completed: 3,
      failed: 0,
      deadLettered: 0,
    });

    // Done, it can be queued again (its file may have changed).
    expect(await producer.enqueue(['/articles/a.md'])).toBe(1);
  });

  it('retries a job whose handler throws, then moves it to the dead-letter queue', async () => {
    // Backoff capped at one second, so the three attempts take about two.
    const queue = freshQueue({ retryLimit: 2, retryDelaySeconds: 1, retryDelayMaxSeconds: 1 });
    await queue.enqueue(['/articles/missing.md', '/articles/fine.md']);
    const attempts: string[] = [];
    const controller = new AbortController();
    const working = queue.work(
      async (source) => {
        attempts.push(source);
        if (source.endsWith('missing.md')) throw new Error(`No such file or directory: ${source}`);
      },
      { signal: controller.signal },
    );
    await until(async () => (await queue.counts()).deadLettered === 1);
    controller.abort();
    await working;
    expect(attempts.filter((source) => source.endsWith('missing.md'))).toHaveLength(3);
    expect(attempts.filter((source) => source.endsWith('fine.md'))).toHaveLength(1);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, completed: 1, failed: 1, deadLettered: 1 });
  });

  it('stopping lets the job in hand finish within the grace period', async () => {
    const queue = freshQueue();
    await queue.enqueue(['/articles/slow.md']);
    const controller = new AbortController();
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const working = queue.work(
      async () => {
        started();
        await new Promise((resolve) => setTimeout(resolve, 800));
      },
      { signal: controller.signal, graceMs: 5000 },
    );
    await handlerStarted;
    const stopping = Date.now();
    controller.abort();
    await working;
    expect(Date.now() - stopping).toBeLessThan(3000);
    expect(await queue.counts()).toMatchObject({ waiting: 0, active: 0, completed: 1 });
  });

  it('stopping aborts a job that outlasts the grace period, and the job goes back to the queue', async () => {
    const queue = freshQueue();
    await queue.enqueue(['/articles/endless.md']);
    const controller = new AbortController();
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    let handlerSignal: AbortSignal | undefined;
    const working = queue.work(
      (_source, signal) => {
        handlerSignal = signal;
        started();
        return new Promise<void>((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      },
      { signal: controller.signal, graceMs: 300 },
    );
    await handlerStarted;
    const stopping = Date.now();
    controller.abort();
    await working;
    expect(Date.now() - stopping).toBeLessThan(3000);
    expect(handlerSignal?.aborted).toBe(true);
    // A failed attempt with retries left: waiting for its retry, not lost.
    expect(await queue.counts()).toMatchObject({ waiting: 1, active: 0, completed: 0, failed: 0 });
  });

  it('an unreachable server: a ConfigError naming host and port, never the password', async () => {
    const queue = createIngestQueue({
      connectionString: `postgres://postgres:${TEST_PASSWORD}@127.0.0.1:1/postgres`,
    });
    opened.push(queue);
    expect(queue.location).toBe(
      'postgres://postgres:***@127.0.0.1:1/postgres (queue schema articleqa_queue)',
    );
    for (const attempt of [() => queue.enqueue(['/a.md']), () => queue.counts()]) {
      const error = await attempt().catch((caught: unknown) => caught);
      expect(isArticleQAError(error, 'E_CONFIG')).toBe(true);
      expect((error as Error).message).toContain('127.0.0.1:1');
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(TEST_PASSWORD);
    }
  });

  it('refuses a schema name it would have to quote', () => {
    expect(() =>
      createIngestQueue({ connectionString: server.connectionString, schema: 'Queue; drop' }),
    ).toThrow(/lower-case Postgres name/);
  });
});
