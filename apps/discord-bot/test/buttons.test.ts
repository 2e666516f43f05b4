import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseQuestions } from '@articleqa/core';
import type { Json } from '@articleqa/simulators';
import { describe, expect, it } from 'vitest';
import { ANSWER_EXPIRED, FEEDBACK_THANKS } from '../src/format/notices.js';
import {
  askResult,
  botUser,
  channelId,
  type Harness,
  harnessPerTest,
  postedTo,
  until,
  user,
} from './harness.js';

const start = harnessPerTest();

interface Button {
  custom_id: string;
  label: string;
}

const buttonsOf = (message: Json | undefined): Button[] =>
  ((message?.components as Array<{ components: Button[] }> | undefined) ?? []).flatMap(
    (row) => row.components,
  );

/** Clicks the button labelled `label` on `message` and resolves with the bot's reply to the click. */
async function click(h: Harness, message: Json, label: string, clicker = user(5)) {
  const button = buttonsOf(message).find((candidate) => candidate.label === label);
  if (!button) throw new Error(`no ${label} button`);
  const { id, token } = h.simulator.sendComponentInteraction({
    message,
    customId: button.custom_id,
    user: clicker,
  });
  await h.simulator.waitForRequest((request) => request.path.startsWith(`/interactions/${id}/`));
  const interaction = h.simulator.interaction(token);
  return { reply: interaction?.original, interaction };
}

async function feedbackLines(h: Harness): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(join(h.config.dataDir, 'feedback.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('buttons under an answer', () => {
  it('shows the full quotes ephemerally and stores a vote with the question, answer and citations', async () => {
    const harness = await start();
    const { simulator, qa } = harness;
    const quote = `Cassini entered orbit around Saturn on 1 July 2004. ${'It carried the Huygens probe. '.repeat(12)}`;
    qa.respond = () =>
      askResult({
        shortAnswer: '1 July 2004',
        citations: [{ ...askResult().citations[0]!, quote }],
      });
    const asked = simulator.sendInteraction({
      name: 'ask',
      options: { question: 'When did Cassini reach Saturn?' },
      user: user(1),
      channelId,
    });
    await until(() => buttonsOf(simulator.interaction(asked.token)?.original).length > 0);
    const answer = simulator.interaction(asked.token)?.original as Json;
    expect(buttonsOf(answer).map((button) => button.label)).toEqual(['Sources', 'Helpful', 'Not helpful']);

    const sources = await click(harness, answer, 'Sources');
    expect(sources.interaction?.ephemeral).toBe(true);
    expect(sources.reply?.content).toContain('**[1] Cassini reaches Saturn** <https://example.com/cassini>');
    // The whole quote, not the embed's shortened one.
    expect(sources.reply?.content).toContain('It carried the Huygens probe. It carried the Huygens probe.');

    const vote = await click(harness, answer, 'Helpful');
    expect(vote.reply?.content).toBe(FEEDBACK_THANKS);
    expect(vote.interaction?.ephemeral).toBe(true);
    const [line] = await feedbackLines(harness);
    expect(line).toMatchObject({
      version: 1,
      id: asked.id,
      question: 'When did Cassini reach Saturn?',
      answers: ['1 July 2004'],
      article: 'Cassini reaches Saturn',
      answerable: true,
      rating: 'helpful',
      answer: askResult().answer,
      answerer: 'llm',
      citations: [expect.objectContaining({ n: 1, documentId: 'doc-1', quote })],
      guildId: expect.any(String),
      channelId,
    });
    expect(JSON.stringify(line)).not.toContain(user(5).id);
    // A helpful line is a question `articleqa eval` reads as it is.
    expect(parseQuestions(`${JSON.stringify(line)}\n`)).toEqual([
      {
        id: asked.id,
        question: 'When did Cassini reach Saturn?',
        answers: ['1 July 2004'],
        article: 'Cassini reaches Saturn',
        answerable: true,
      },
    ]);
  });

  it('puts the buttons on a mention answer too, without Sources when it abstained, and keeps every vote whole', async () => {
    const harness = await start();
    const { simulator, qa, mention } = harness;
    qa.respond = () =>
      askResult({ answer: 'I could not find that in the articles.', abstained: true, citations: [] });
    mention('Who won the 1998 World Cup?');
    await simulator.waitForRequest(postedTo(channelId));
    const answer = simulator
      .channelMessages(channelId)
      .find((message) => (message.author as { id: string }).id === botUser.id) as Json;
    expect(buttonsOf(answer).map((button) => button.label)).toEqual(['Helpful', 'Not helpful']);

    // Twenty people vote at once: twenty whole lines.
    await Promise.all(
      Array.from({ length: 20 }, (_, index) => click(harness, answer, 'Not helpful', user(20 + index))),
    );
    const lines = await feedbackLines(harness);
    expect(lines).toHaveLength(20);
    expect(new Set(lines.map((line) => line.voter)).size).toBe(20);
    expect(lines[0]).toMatchObject({ rating: 'not_helpful', answers: [], abstained: true });
    expect(lines[0]).not.toHaveProperty('answerable');
  });

  it('says an answer is too old when its record is gone', async () => {
    const harness = await start();
    const { simulator, mention } = harness;
    mention('When did Cassini reach Saturn?');
    await simulator.waitForRequest(postedTo(channelId));
    const answer = simulator
      .channelMessages(channelId)
      .find((message) => (message.author as { id: string }).id === botUser.id) as Json;
    await rm(join(harness.config.dataDir, 'answers'), { recursive: true });
    const { reply } = await click(harness, answer, 'Sources');
    expect(reply?.content).toBe(ANSWER_EXPIRED);
  });
});
