import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, cliPath, runCli } from './support/run-cli.js';

/**
 * A writer killed outright (kill -9, the OOM killer, a power cut) must not block the next one: its
 * lock is taken over at once, and nothing it committed is lost or half-written.
 */
describe('kill -9 of an ingest', () => {
  let cwd: string;
  const files = 60;

  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'articleqa-crash-'));
    mkdirSync(join(cwd, 'articles'));
    for (let i = 0; i < files; i += 1) {
      const sentences = Array.from(
        { length: 40 },
        (_, j) => `Report ${i} notes that harbour ${i * 100 + j} handled ${j + 3} ships on day ${j}.`,
      );
      writeFileSync(
        join(cwd, 'articles', `report-${i}.md`),
        `# Harbour report ${i}\n\n${sentences.join(' ')}\n`,
      );
    }
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('the next ingest of the same folder starts at once and completes', async () => {
    const child = spawn(process.execPath, [cliPath, 'ingest', 'articles', '--index', 'index'], {
      cwd,
      env: baseEnv(cwd),
      stdio: 'ignore',
    });
    // Kill it while it holds the write lock, after its first commit.
    const owner = join(cwd, 'index', 'write.lock.owner');
    const deadline = Date.now() + 60_000;
    while (
      !(existsSync(owner) && existsSync(join(cwd, 'index', 'articleqa.sqlite-wal'))) &&
      Date.now() < deadline
    )
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(owner)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(existsSync(join(cwd, 'index', 'write.lock'))).toBe(true);

    const again = await runCli(['ingest', 'articles', '--index', 'index', '--json'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout);
    expect(summary.failed).toBe(0);
    expect(summary.documents).toBe(files);
    expect(summary.added + summary.unchanged).toBe(files);

    const list = await runCli(['list', '--index', 'index', '--json'], { cwd });
    expect(JSON.parse(list.stdout)).toHaveLength(files);
    const search = await runCli(['search', 'harbour 5903', '--index', 'index', '--json', '--k', '1'], {
      cwd,
    });
    expect(JSON.parse(search.stdout)[0].title).toBe('Harbour report 59');
  });
});
