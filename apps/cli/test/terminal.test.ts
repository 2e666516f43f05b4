import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OpenAISimulator, startOpenAISimulator } from '@articleqa/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from './support/run-cli.js';
import { startInTerminal } from './support/terminal.js';

const corpus = new URL('../../../corpus/', import.meta.url);
const PROMPT = '› ';
const apiKey = 'sk-test-terminal-123';

/** `articleqa chat` at a terminal (a pseudo-terminal), driven by keystrokes as a person would. */
describe('chat at a terminal', () => {
  const temp = makeTempDir();
  const cwd = temp.dir;
  let sim: OpenAISimulator;

  beforeAll(async () => {
    cpSync(corpus, join(cwd, 'corpus'), { recursive: true });
    const built = await runCli(['ingest', 'corpus'], { cwd });
    expect(built.code, built.stderr).toBe(0);
    // An LLM that never answers, so an answer stays in progress until it is cancelled.
    sim = await startOpenAISimulator({ apiKey, chatHandler: () => ({ hang: true }) });
  });
  afterAll(async () => {
    await sim.close();
    temp.cleanup();
  });

  it('two Ctrl-C at the prompt half a second apart exit at once, on a fresh line', async () => {
    const chat = startInTerminal(['chat'], { cwd });
    await chat.waitFor(PROMPT);
    chat.type('\x03');
    await chat.waitFor('press Ctrl-C again to exit');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const pressed = Date.now();
    chat.type('\x03');
    expect(await chat.exitedWithin(3000)).toBe(0);
    expect(Date.now() - pressed).toBeLessThan(3000);
    expect(chat.screen().endsWith('\n')).toBe(true);
  });

  it('Ctrl-D at the prompt exits 0 and leaves the terminal on a fresh line', async () => {
    const chat = startInTerminal(['chat'], { cwd });
    await chat.waitFor(PROMPT);
    chat.type('\x04');
    expect(await chat.exitedWithin(3000)).toBe(0);
    expect(chat.screen().slice(chat.screen().lastIndexOf(PROMPT))).toMatch(/\n$/);
  });

  it('Ctrl-C during an answer cancels it and the conversation goes on', async () => {
    const chat = startInTerminal(['chat'], {
      cwd,
      env: { OPENAI_BASE_URL: sim.baseURL, OPENAI_API_KEY: apiKey, ARTICLEQA_CHAT_MODEL: 'test-model' },
    });
    await chat.waitFor(PROMPT);
    chat.type('Who will set up network security offices?\r');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = chat.screen().length;
    // The simulator holds the request: wait until the CLI has sent it, then cancel.
    while (sim.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    chat.type('\x03');
    await chat.waitFor('(cancelled)', { from: before });
    await chat.waitFor(PROMPT, { from: before });
    chat.type('/exit\r');
    expect(await chat.exitedWithin(5000)).toBe(0);
    expect(chat.screen()).not.toContain(apiKey);
  });
});

describe('ingest at a terminal', () => {
  const temp = makeTempDir();
  const cwd = temp.dir;
  const ARTICLES = 120;

  beforeAll(() => {
    const dir = join(cwd, 'articles');
    mkdirSync(dir);
    for (let index = 0; index < ARTICLES; index += 1) {
      const paragraphs = Array.from(
        { length: 6 },
        (_, part) =>
          `Report ${index}, part ${part}: the council of town ${index} met on day ${part} and agreed to fund road ${index * 7 + part}, a bridge of ${part + 3} spans and a library with ${index + part} rooms, after a long debate about taxes and schools.`,
      );
      writeFileSync(
        join(dir, `report-${index}.md`),
        `# Town ${index} report\n\n${paragraphs.join('\n\n')}\n`,
      );
    }
  });
  afterAll(() => temp.cleanup());

  it('shows its phases, then chunks and an ETA; Ctrl-C stops after what is in hand with exit 130 and a summary; the next run finishes', async () => {
    const ingest = startInTerminal(['ingest', 'articles'], { cwd });
    // The bar shows a committed source: the first batch is stored.
    await ingest.waitFor(`/${ARTICLES} ·`);
    const shown = /(\d+)\/\d+ ·/g;
    while (![...ingest.screen().matchAll(shown)].some((match) => Number(match[1]) > 0))
      await new Promise((resolve) => setTimeout(resolve, 25));
    ingest.type('\x03');
    expect(await ingest.exitedWithin(15_000)).toBe(130);
    const screen = ingest.screen();
    const stopped =
      /Stopped: (\d+) added and 0 updated are stored \(0 were unchanged\); (\d+) of 120 sources not ingested/.exec(
        screen,
      );
    expect(stopped, screen).not.toBeNull();
    const added = Number(stopped![1]);
    expect(added).toBeGreaterThan(0);
    expect(added).toBeLessThan(ARTICLES);
    expect(screen).toContain('Run the same command again to finish');
    // Phases before the first count, and no ETA guessed before anything was measured.
    expect(screen).toContain('Loading the embedding model…');
    expect(screen).toContain('Reading files…');
    expect(screen).toContain(`0/${ARTICLES} · reading and embedding the first batch · ETA …`);
    expect(screen).toMatch(/\d+ chunks embedded · [\d.]+ chunks\/s · ETA \d+s/);
    expect(screen).not.toContain('ETA 0s');
    expect(screen).not.toMatch(/^\s+at /m);

    const rest = await runCli(['ingest', 'articles', '--json'], { cwd });
    expect(rest.code, rest.stderr).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({
      unchanged: added,
      added: ARTICLES - added,
      documents: ARTICLES,
    });
  });
});
