import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { type ChatRequest, type OpenAISimulator, startOpenAISimulator } from '@articleqa/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, makeTempDir, runCli } from './support/run-cli.js';

const corpus = new URL('../../../corpus/', import.meta.url);
const title = 'China wants police installed in every internet company';

/** How many `Sources` headers were printed: one per answer with citations, one per /sources. */
function sourcesHeaders(stdout: string): number {
  return lines(stdout).filter((line) => line === 'Sources').length;
}

describe('chat with piped stdin: one question a line', () => {
  const temp = makeTempDir();
  const cwd = temp.dir;
  beforeAll(() => cpSync(corpus, join(cwd, 'corpus'), { recursive: true }));
  afterAll(() => temp.cleanup());

  it('answers a question and its follow-up from the article, and /sources repeats the last sources', async () => {
    const result = await runCli(['chat'], {
      cwd,
      input: 'What will be set up inside internet firms?\nand who announced it?\n/sources\n',
    });
    expect(result.code, result.stderr).toBe(0);
    // First use: the index is built from corpus/ with one notice; nothing else on stderr.
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/first use/)]);

    const blocks = result.stdout.split(/\nSources\n/);
    expect(blocks).toHaveLength(4);
    const [firstAnswer, afterFirst, afterSecond, afterSources] = blocks as [string, string, string, string];
    expect(firstAnswer).toContain('network security offices');
    expect(firstAnswer).toMatch(/\[1\]/);
    expect(afterFirst).toMatch(new RegExp(`^ {2}\\[1\\] ${title}\\n`));
    // The second block starts with the follow-up's answer: the announcement, by Chen Zhimin.
    const secondAnswer = afterFirst.split('\n\n')[1]!;
    expect(secondAnswer).toContain('Chen Zhimin');
    expect(afterSecond).toMatch(new RegExp(`^ {2}\\[1\\] ${title}\\n`));
    // /sources prints only the sources of the last answer, not the answer again.
    const sourcesCommand = afterSecond.split('\n\n')[1];
    expect(sourcesCommand).toBe('');
    expect(afterSources).toMatch(new RegExp(`^ {2}\\[1\\] ${title}\\n {6}│ .*Chen Zhimin`));
    expect(afterSources.trimEnd().split('\n')).toHaveLength(2);
    expect(result.stdout).not.toMatch(/^\s+at /m);
  });

  it('/clear forgets the conversation, /exit ends the session before later lines, blank lines are skipped', async () => {
    const result = await runCli(['chat'], {
      cwd,
      input: '\nWhat will be set up inside internet firms?\n\n/clear\n/sources\n/exit\nWho is Chen Zhimin?\n',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(sourcesHeaders(result.stdout)).toBe(1);
    expect(lines(result.stderr)).toEqual(['(conversation cleared)', 'No sources yet: ask a question first.']);
  });

  it('/sources after an answer that found nothing says there are none', async () => {
    const result = await runCli(['chat'], {
      cwd,
      input: 'Which team won the 1998 football world cup final?\n/sources\n',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("The articles don't say");
    expect(lines(result.stderr)).toContain(
      'No sources: the last answer found nothing in the articles to cite.',
    );
  });

  it('an empty stdin ends the session at once with exit 0', async () => {
    const result = await runCli(['chat'], { cwd, input: '' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
  });
});

describe('chat with an LLM: follow-ups are rewritten by the model and answers streamed', () => {
  const temp = makeTempDir();
  const cwd = temp.dir;
  let sim: OpenAISimulator;
  const firstAnswer = 'Network security offices will be set up inside internet firms [1].';
  const secondAnswer = 'Deputy minister Chen Zhimin announced it [1].';
  const rewritten = 'Who announced the network security offices inside internet firms?';

  beforeAll(async () => {
    cpSync(corpus, join(cwd, 'corpus'), { recursive: true });
    const built = await runCli(['ingest', 'corpus'], { cwd });
    expect(built.code, built.stderr).toBe(0);
    sim = await startOpenAISimulator();
    sim.setChatHandler((request: ChatRequest) => {
      if (request.stream !== true) return { content: rewritten };
      const question = JSON.stringify(request.messages.at(-1)?.content);
      return { content: question.includes(rewritten) ? secondAnswer : firstAnswer, delayMsPerChunk: 10 };
    });
  });
  afterAll(async () => {
    await sim.close();
    temp.cleanup();
  });

  it('sends the history for the rewrite, streams each answer exactly once', async () => {
    const result = await runCli(['chat'], {
      cwd,
      input: 'What will be set up inside internet firms?\nand who announced it?\n',
      env: {
        OPENAI_BASE_URL: sim.baseURL,
        OPENAI_API_KEY: 'sk-chat-key-0001',
        ARTICLEQA_CHAT_MODEL: 'test-model',
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.split(firstAnswer)).toHaveLength(2);
    expect(result.stdout.split(secondAnswer)).toHaveLength(2);
    expect(result.stdout.indexOf(firstAnswer)).toBeLessThan(result.stdout.indexOf(secondAnswer));
    expect(sourcesHeaders(result.stdout)).toBe(2);

    const bodies = sim.requests
      .filter((request) => request.path === '/v1/chat/completions')
      .map((request) => request.body as ChatRequest);
    // Answer 1 (streamed), the rewrite of the follow-up (not streamed), answer 2 (streamed).
    expect(bodies.map((body) => body.stream === true)).toEqual([true, false, true]);
    const rewrite = JSON.stringify(bodies[1]!.messages);
    expect(rewrite).toContain('What will be set up inside internet firms?');
    expect(rewrite).toContain('and who announced it?');
    // The rewritten question is what the second answer prompt asks; the conversation comes with it.
    const second = bodies[2]!.messages;
    expect(JSON.stringify(second.at(-1)!.content)).toContain(`Question: ${rewritten}`);
    expect(second.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(second[1]!.content).toBe('What will be set up inside internet firms?');
  });
});
