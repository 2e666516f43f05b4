import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, utimesSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ArticleQAError, isArticleQAError } from '../../shared/errors.js';
import { acquireWriteLock, type ReleaseLock } from './write-lock.js';

const lockPath = (dir: string) => join(dir, 'write.lock');
const ownerPath = (dir: string) => join(dir, 'write.lock.owner');

let dir: string;
const releases: ReleaseLock[] = [];
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'articleqa-write-lock-'));
});

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const release of releases.splice(0)) await release().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function acquire(options?: Parameters<typeof acquireWriteLock>[1]): Promise<ReleaseLock> {
  const release = await acquireWriteLock(dir, options);
  releases.push(release);
  return release;
}

async function expectLocked(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(isArticleQAError(error, 'E_INDEX_LOCKED'), String(error)).toBe(true);
  return error as Error;
}

/** A pid that belonged to a process of this host which has exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  if (pid === undefined) throw new Error('Could not start a process.');
  return pid;
}

/** Leaves the lock as a holder killed while holding it would: the lock directory and its owner file. */
async function leaveLockOf(owner: Record<string, unknown>): Promise<void> {
  await mkdir(lockPath(dir));
  await writeFile(ownerPath(dir), JSON.stringify(owner));
}

/** An owner record as this process writes it, so only the fields a test changes differ. */
async function ownRecord(): Promise<Record<string, unknown>> {
  const release = await acquireWriteLock(dir);
  const record = JSON.parse(await readFile(ownerPath(dir), 'utf8')) as Record<string, unknown>;
  await release();
  return record;
}

/**
 * Starts a separate node process that takes the lock through the real module (TypeScript run by
 * vite-node, which vitest already brings) and resolves once it holds it.
 */
async function startHolder(): Promise<ChildProcess> {
  const vitest = createRequire(import.meta.url).resolve('vitest/package.json');
  const viteNode = join(dirname(createRequire(vitest).resolve('vite-node/package.json')), 'vite-node.mjs');
  const fixture = fileURLToPath(new URL('./write-lock-holder.fixture.ts', import.meta.url));
  const child = spawn(process.execPath, [viteNode, fixture], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    env: { ...process.env, WRITE_LOCK_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('locked\n')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`The holder exited (${code ?? signal}): ${output}`)),
    );
  });
  return child;
}

describe('acquireWriteLock', () => {
  it('refuses a second writer at once while the first holds the lock', async () => {
    await acquire();
    const owner = JSON.parse(await readFile(ownerPath(dir), 'utf8')) as { hostname: string; since: string };
    const started = Date.now();
    const error = await expectLocked(acquireWriteLock(dir));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.message).toBe(
      `The index at ${dir} is locked: another process (pid ${process.pid} on host ${owner.hostname}, since ${owner.since}) is writing to it.`,
    );
    // Hints that name CLI commands belong to the apps.
    expect((error as ArticleQAError).hint).toBeUndefined();
  });

  it('release removes the lock and the owner file, and the lock can be taken again', async () => {
    const release = await acquireWriteLock(dir);
    expect(JSON.parse(await readFile(ownerPath(dir), 'utf8'))).toMatchObject({ pid: process.pid });
    await release();
    expect(existsSync(lockPath(dir))).toBe(false);
    expect(existsSync(ownerPath(dir))).toBe(false);
    await acquire();
  });

  it('a writer killed with SIGKILL does not block the next one for the stale period', async () => {
    const holder = await startHolder();
    expect(existsSync(lockPath(dir))).toBe(true);
    expect(JSON.parse(await readFile(ownerPath(dir), 'utf8'))).toMatchObject({ pid: holder.pid });
    // Alive in another process: refused.
    await expectLocked(acquireWriteLock(dir));

    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    expect(existsSync(lockPath(dir)), 'SIGKILL leaves the lock behind').toBe(true);

    const started = Date.now();
    await acquire();
    // The old rule took 15 s; a takeover takes file operations only.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(JSON.parse(await readFile(ownerPath(dir), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('two writers taking over the same dead lock at once: exactly one wins', async () => {
    await leaveLockOf({ ...(await ownRecord()), pid: deadPid() });
    const results = await Promise.allSettled([acquireWriteLock(dir), acquireWriteLock(dir)]);
    const won = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    releases.push(...won);
    expect(won).toHaveLength(1);
    const lost = results.find((result) => result.status === 'rejected');
    expect(isArticleQAError(lost?.reason, 'E_INDEX_LOCKED')).toBe(true);
  });

  it('a guard left by a process killed while taking the lock does not block for good', async () => {
    const guard = join(dir, 'write.lock.guard');
    await mkdir(guard);
    const longAgo = (Date.now() - 60_000) / 1000;
    utimesSync(guard, longAgo, longAgo);
    await acquire();
    expect(existsSync(guard)).toBe(false);
  });

  it('does not take over a fresh lock held from another host, even with a pid unused here', async () => {
    const pid = deadPid();
    await leaveLockOf({ ...(await ownRecord()), pid, hostname: 'another-host.example' });
    const error = await expectLocked(acquireWriteLock(dir));
    expect(error.message).toContain(`another process (pid ${pid} on host another-host.example`);
    expect(existsSync(lockPath(dir))).toBe(true);
  });

  it('does not take over a fresh lock whose owner file is missing', async () => {
    await mkdir(lockPath(dir));
    const error = await expectLocked(acquireWriteLock(dir));
    expect(error.message).toBe(`The index at ${dir} is locked: another process is writing to it.`);
  });

  it('takes over a lock from another host once it has gone staleMs without a refresh', async () => {
    await leaveLockOf({ ...(await ownRecord()), hostname: 'another-host.example' });
    const longAgo = (Date.now() - 20_000) / 1000;
    utimesSync(lockPath(dir), longAgo, longAgo);
    await acquire({ staleMs: 15_000 });
  });

  describe('waitMs', () => {
    it('waits for a live writer to finish', async () => {
      const release = await acquireWriteLock(dir);
      setTimeout(() => void release(), 500);
      const started = Date.now();
      await acquire({ waitMs: 5_000 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    });

    it('fails with E_INDEX_LOCKED when the writer holds on past the deadline', async () => {
      await acquire();
      const started = Date.now();
      await expectLocked(acquireWriteLock(dir, { waitMs: 300 }));
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    });

    it('an aborted signal ends an unbounded wait with an AbortError', async () => {
      await acquire();
      const error = await acquireWriteLock(dir, { waitMs: Infinity, signal: AbortSignal.timeout(300) }).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(isArticleQAError(error, 'E_ABORTED'), String(error)).toBe(true);
    });
  });
});
