import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bakery, lighthouse, writeArticles } from './support/articles.js';
import { type CliResult, lines, makeTempDir, runCli } from './support/run-cli.js';

/**
 * A user mistake: the exit code, nothing on stdout, and on stderr one `error:` line (first), then at
 * most a hint and commander's usage pointers. Never a stack trace or the "bug" notice.
 */
function expectUserError(result: CliResult, exitCode: number, message: RegExp): string[] {
  expect(result.code, `stderr:\n${result.stderr}`).toBe(exitCode);
  expect(result.stdout).toBe('');
  const stderr = lines(result.stderr);
  expect(stderr[0]).toMatch(/^error: /);
  expect(stderr[0]).toMatch(message);
  expect(stderr.filter((line) => line.startsWith('error:'))).toHaveLength(1);
  for (const line of stderr.slice(1)) expect(line).toMatch(/^(hint: |\()/);
  expect(stderr.length).toBeLessThanOrEqual(3);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toContain('bug in articleqa');
  return stderr;
}

describe('user mistakes: one line, the right exit code, no stack trace', () => {
  const temp = makeTempDir();
  const cwd = temp.dir;
  const articles = join(cwd, 'articles');
  const index = join(cwd, 'index');
  const empty = join(cwd, 'empty');

  beforeAll(async () => {
    writeArticles(articles, [lighthouse, bakery]);
    mkdirSync(empty);
    const built = await runCli(['ingest', articles, '--index', index], { cwd });
    expect(built.code, built.stderr).toBe(0);
  });
  afterAll(() => temp.cleanup());

  for (const command of [['search', 'lighthouse'], ['list'], ['stats']]) {
    it(`${command[0]} without an index: exit 1, points at articleqa ingest, creates nothing`, async () => {
      const result = await runCli(command, { cwd: empty });
      const stderr = expectUserError(result, 1, /No articleqa index at .*\.articleqa/);
      expect(stderr.join('\n')).toMatch(/^hint: .*`articleqa ingest/m);
      expect(readdirSync(empty)).toEqual([]);
    });
  }

  it('an empty question: exit 2, before any index is built (regression: ask "" built one)', async () => {
    mkdirSync(join(empty, 'corpus'), { recursive: true });
    writeArticles(join(empty, 'corpus'), [lighthouse]);
    try {
      for (const question of ['', '   ']) {
        const result = await runCli(['ask', question], { cwd: empty });
        expectUserError(result, 2, /question is empty/);
        expect(existsSync(join(empty, '.articleqa'))).toBe(false);
      }
    } finally {
      rmSync(join(empty, 'corpus'), { recursive: true });
    }
  });

  it('an unknown global option: exit 2', async () => {
    expectUserError(await runCli(['--bogus'], { cwd: empty }), 2, /unknown option '--bogus'/);
  });

  it("an unknown option on a command: exit 2 (regression: a subcommand's usage error exited 1)", async () => {
    expectUserError(
      await runCli(['ask', 'What happened?', '--bogus'], { cwd: empty }),
      2,
      /unknown option '--bogus'/,
    );
  });

  it('an unknown command: exit 2', async () => {
    expectUserError(await runCli(['frobnicate'], { cwd: empty }), 2, /unknown command 'frobnicate'/);
  });

  it('a missing argument and an extra one: exit 2', async () => {
    expectUserError(await runCli(['ask'], { cwd: empty }), 2, /missing required argument 'question'/);
    expectUserError(await runCli(['list', 'extra'], { cwd: empty }), 2, /too many arguments/);
  });

  it('--k abc: exit 2 (regression: exited 1)', async () => {
    expectUserError(
      await runCli(['search', 'lighthouse', '--k', 'abc', '--index', index], { cwd }),
      2,
      /'abc' is invalid\. Must be a whole number from 1 to 1000\./,
    );
  });

  it('a malformed or unknown --filter: exit 2', async () => {
    const malformed = expectUserError(
      await runCli(['ask', 'What happened?', '--filter', 'nonsense', '--index', index], { cwd }),
      2,
      /--filter nonsense must look like key=value/,
    );
    expect(malformed[1]).toBe('hint: Keys: doc, source, after, before.');
    expectUserError(
      await runCli(['search', 'lighthouse', '--filter', 'colour=red', '--index', index], { cwd }),
      2,
      /Unknown filter key "colour"/,
    );
    expectUserError(
      await runCli(['search', 'lighthouse', '--filter', 'after=yesterday', '--index', index], { cwd }),
      2,
      /needs a date like 2015-08-05, not yesterday/,
    );
  });

  it('OPENAI_BASE_URL=not-a-url: exit 2, naming the variable', async () => {
    expectUserError(
      await runCli(['ask', 'What happened?', '--index', index], {
        cwd,
        env: { OPENAI_BASE_URL: 'not-a-url' },
      }),
      2,
      /OPENAI_BASE_URL is not a URL: not-a-url/,
    );
  });

  it('ARTICLEQA_EMBEDDER=bogus: exit 2, naming the variable', async () => {
    expectUserError(
      await runCli(['search', 'lighthouse', '--index', index], { cwd, env: { ARTICLEQA_EMBEDDER: 'bogus' } }),
      2,
      /ARTICLEQA_EMBEDDER=bogus is not understood/,
    );
  });

  it('--verbose shows the cause chain of a config error; without it there is none', async () => {
    const env = { OPENAI_BASE_URL: 'not-a-url' };
    const plain = await runCli(['ask', 'What happened?', '--index', index], { cwd, env });
    expect(plain.stderr).not.toContain('caused by');
    const verbose = await runCli(['ask', 'What happened?', '--index', index, '--verbose'], { cwd, env });
    expect(verbose.code).toBe(2);
    const stderr = lines(verbose.stderr);
    expect(stderr[0]).toBe('error: OPENAI_BASE_URL is not a URL: not-a-url');
    expect(stderr).toContainEqual(expect.stringMatching(/^ {2}caused by: TypeError.*Invalid URL/));
    expect(verbose.stderr).not.toMatch(/^\s+at /m);
  });

  describe('a locked index', () => {
    const lock = join(index, 'write.lock');
    // proper-lockfile's lock is a directory; a fresh mtime means another writer holds it.
    beforeAll(() => mkdirSync(lock));
    afterAll(() => {
      rmSync(lock, { recursive: true, force: true });
    });

    it('ingest: exit 1, "locked", with --verbose naming the cause', async () => {
      const result = await runCli(['ingest', articles, '--index', index], { cwd });
      const stderr = expectUserError(result, 1, /index at .* is locked: another process is writing/);
      expect(stderr[1]).toMatch(
        /^hint: Wait for the other ingest or remove to finish, or run again with --wait/,
      );
      const verbose = await runCli(['ingest', articles, '--index', index, '--verbose'], { cwd });
      expect(verbose.code).toBe(1);
      expect(verbose.stderr).toMatch(/^ {2}caused by: .*ELOCKED/m);
      expect(verbose.stderr).not.toMatch(/^\s+at /m);
    });

    it('remove: exit 1, "locked"', async () => {
      expectUserError(await runCli(['remove', 'anything', '--index', index], { cwd }), 1, /is locked/);
    });

    it('--wait=1 waits a second for the writer, then fails the same way', async () => {
      const started = Date.now();
      const result = await runCli(['remove', 'anything', '--index', index, '--wait=1'], { cwd });
      expectUserError(result, 1, /is locked/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    });

    it('reading is not blocked by a writer: search still works', async () => {
      const result = await runCli(['search', 'lighthouse', '--index', index, '--json'], { cwd });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).not.toHaveLength(0);
    });
  });

  it('an index built with another embedder: exit 1 with a rebuild hint', async () => {
    const result = await runCli(['search', 'lighthouse', '--index', index], {
      cwd,
      env: { ARTICLEQA_EMBEDDER: 'local:fp32' },
    });
    const stderr = expectUserError(result, 1, /was built with the embedder .*int8.*not .*fp32/);
    expect(stderr[1]).toMatch(
      /^hint: Rebuild it: delete .* and run `articleqa ingest` again; or switch back .*ARTICLEQA_EMBEDDER=local /,
    );
    // The value the hint suggests is one the configuration accepts, and it opens the index.
    const back = await runCli(['search', 'lighthouse', '--index', index], {
      cwd,
      env: { ARTICLEQA_EMBEDDER: 'local' },
    });
    expect(back.code, back.stderr).toBe(0);
  });

  it('ingest with a bad file among good ones: exit 1, the reason in the summary, the good ones indexed', async () => {
    const mixed = join(cwd, 'mixed');
    writeArticles(mixed, [lighthouse, bakery]);
    writeFileSync(join(mixed, 'empty-story.md'), '   \n\n');
    const mixedIndex = join(cwd, 'mixed-index');

    const json = await runCli(['ingest', mixed, '--index', mixedIndex, '--json'], { cwd });
    expect(json.code, json.stderr).toBe(1);
    const summary = JSON.parse(json.stdout) as {
      added: number;
      failed: number;
      documents: number;
      items: { source: string; status: string; reason?: string }[];
    };
    expect(summary).toMatchObject({ added: 2, failed: 1, documents: 2 });
    const failure = summary.items.find((item) => item.status === 'failed');
    expect(failure).toMatchObject({ source: join(mixed, 'empty-story.md') });
    expect(failure!.reason).toMatch(/\S/);

    // A failed source is tried again on the next ingest; the good ones are unchanged.
    const human = await runCli(['ingest', mixed, '--index', mixedIndex], { cwd });
    expect(human.code).toBe(1);
    expect(human.stderr).toContain(`failed ${join(mixed, 'empty-story.md')}: ${failure!.reason}`);
    expect(human.stderr).toMatch(/unchanged\s+2/);
    expect(human.stderr).toMatch(/failed\s+1/);
    expect(human.stderr).not.toMatch(/^\s+at /m);
    // Each failure once (in the summary), and no line per file without --verbose.
    expect(lines(human.stderr).filter((line) => line.includes(mixed))).toHaveLength(1);
    const verbose = await runCli(['ingest', mixed, '--index', join(cwd, 'verbose-index'), '--verbose'], {
      cwd,
    });
    expect(lines(verbose.stderr).filter((line) => /^added\s/.test(line))).toHaveLength(2);
    expect(lines(verbose.stderr).filter((line) => line.includes('empty-story.md'))).toHaveLength(1);

    const list = await runCli(['list', '--json', '--index', mixedIndex], { cwd });
    expect((JSON.parse(list.stdout) as { title: string }[]).map((document) => document.title).sort()).toEqual(
      [bakery.title, lighthouse.title].sort(),
    );
  });

  it('eval with a missing questions file: exit 2', async () => {
    expectUserError(
      await runCli(['eval', 'missing.jsonl', '--index', index], { cwd }),
      2,
      /Cannot read missing\.jsonl: no such file/,
    );
  });

  it('eval with a malformed line: exit 2, naming the file and line', async () => {
    writeFileSync(
      join(cwd, 'broken.jsonl'),
      `${JSON.stringify({ id: 'a', question: 'What was restored?', answers: ['lighthouse'], answerable: true })}\n{"id": "b", "question": \n`,
    );
    expectUserError(
      await runCli(['eval', 'broken.jsonl', '--index', index], { cwd }),
      2,
      /broken\.jsonl:2 is not valid JSON/,
    );
  });
});
