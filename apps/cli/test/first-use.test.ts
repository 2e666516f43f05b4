import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSI_ESCAPE, lines, makeTempDir, runCli } from './support/run-cli.js';

const repoCorpus = new URL('../../../corpus/', import.meta.url);
const question = 'Who will set up network security offices?';
const title = 'China wants police installed in every internet company';

describe('first use: ask in a fresh clone answers from corpus/', () => {
  const temp = makeTempDir();
  const cwd = temp.dir;

  beforeAll(() => {
    cpSync(repoCorpus, join(cwd, 'corpus'), { recursive: true });
    expect(readdirSync(cwd)).toEqual(['corpus']);
  });
  afterAll(() => temp.cleanup());

  it('builds the index from corpus/, saying so in one line, then answers with sources', async () => {
    const result = await runCli(['ask', question], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Chen Zhimin');
    expect(result.stdout).toContain('network security offices');
    expect(result.stdout).toMatch(/\nSources\n/);
    expect(result.stdout).toContain(`[1] ${title}`);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/first use/)]);
    expect(result.stderr).toContain('corpus/');
    expect(existsSync(join(cwd, '.articleqa'))).toBe(true);
  });

  it('does not print the notice once the index exists', async () => {
    const result = await runCli(['ask', question], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Chen Zhimin');
    expect(result.stderr).toBe('');
  });
});

describe('first use with a bad file in corpus/', () => {
  const temp = makeTempDir();
  const cwd = temp.dir;
  beforeAll(() => {
    cpSync(repoCorpus, join(cwd, 'corpus'), { recursive: true });
    writeFileSync(join(cwd, 'corpus', 'empty.md'), '');
  });
  afterAll(() => temp.cleanup());

  it('still answers, and names the file it skipped (per-file lines are not printed otherwise)', async () => {
    const result = await runCli(['ask', question, '--verbose'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Chen Zhimin');
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(/first use/),
      expect.stringMatching(/^Indexed 1 article \(\d+ chunks\) in \d+\.\d s\.$/),
      `skipped ${join(cwd, 'corpus', 'empty.md')}: ${join(cwd, 'corpus', 'empty.md')} is empty`,
    ]);
  });
});

describe('human output of ask', () => {
  const temp = makeTempDir();
  const cwd = temp.dir;
  beforeAll(() => cpSync(repoCorpus, join(cwd, 'corpus'), { recursive: true }));
  afterAll(() => temp.cleanup());

  it('--quiet suppresses the first-use notice but not the answer', async () => {
    const result = await runCli(['ask', question, '--quiet'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Chen Zhimin');
  });

  it('prints the answer, then Sources with numbered titles and quoted spans', async () => {
    const result = await runCli(['ask', question], { cwd });
    expect(result.code, result.stderr).toBe(0);
    const output = lines(result.stdout);
    const sources = output.indexOf('Sources');
    expect(sources).toBeGreaterThan(0);
    // The answer comes first, with its citation marker, and a blank line before the sources.
    expect(output.slice(0, sources - 1).join('\n')).toMatch(/network security offices.*\[1\]/s);
    expect(output[sources - 1]).toBe('');
    expect(output[sources + 1]).toBe(`  [1] ${title}`);
    expect(output[sources + 2]).toMatch(/^ {6}│ .*network security offices.*\(chars \d+–\d+\)$/);
  });

  it('NO_COLOR gives no ANSI escapes, even when colours are forced', async () => {
    const result = await runCli(['ask', question], { cwd, env: { FORCE_COLOR: '1' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(ANSI_ESCAPE);
    expect(result.stderr).not.toMatch(ANSI_ESCAPE);
  });

  it('FORCE_COLOR without NO_COLOR does colour (the NO_COLOR check is not vacuous)', async () => {
    const result = await runCli(['ask', question], { cwd, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(ANSI_ESCAPE);
  });

  it('abstains plainly on an off-topic question, without sources', async () => {
    const result = await runCli(['ask', 'What is the boiling point of liquid nitrogen?'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^The articles don't say/);
    expect(result.stdout).not.toContain('Sources');
  });
});
