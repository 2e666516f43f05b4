// Prepares the reader's training data from SQuAD v1.1 train:
//   node dist/prepare-main.js [--dataset DIR] [--out DIR] [--seed N] [--holdout N] [--perturbed-rate R]
// Writes train.jsonl and valid.jsonl (the examples of `--holdout` articles kept out of training, to
// watch the training curve) and prepare-stats.json into --out.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chunkDocument, ensureMiniLMModelFolder, loadDocument, WordPieceTokenizer } from '@articleqa/core';
import { AutoTokenizer, env } from '@xenova/transformers';
import {
  buildExamples,
  DefaultExampleOptions,
  paragraphOffsets,
  seededRandom,
  type TrainQuestion,
} from './examples.js';

const here = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: resolve(here, '../../../shared/datasets/squad-v1.1-train') },
    out: { type: 'string', default: resolve(here, '.data') },
    seed: { type: 'string', default: '13' },
    holdout: { type: 'string', default: '12' },
    // 0 is the recipe of the shipped weights; see ExampleOptions.perturbedRate.
    'perturbed-rate': { type: 'string', default: '0' },
  },
});
const perturbedRate = Number(values['perturbed-rate']);
if (!(perturbedRate >= 0 && perturbedRate <= 1))
  throw new Error('--perturbed-rate takes a number from 0 to 1.');

const cacheDir = process.env.ARTICLEQA_CACHE_DIR ?? join(homedir(), '.cache', 'articleqa');
const folder = await ensureMiniLMModelFolder({ cacheDir });
env.allowRemoteModels = false;
env.localModelPath = folder.localModelPath;
const hfTokenizer = await AutoTokenizer.from_pretrained(folder.modelName);
const encodeWord = (word: string): number[] => hfTokenizer.encode(word, null, { add_special_tokens: false });
const tokenizer = new WordPieceTokenizer(encodeWord);
const counter = { countTokens: (text: string) => encodeWord(text).length, maxTokens: 256 };

const questionsByArticle = new Map<string, TrainQuestion[]>();
for (const line of (await readFile(join(values.dataset, 'questions.jsonl'), 'utf8')).split('\n')) {
  if (!line.trim()) continue;
  const question = JSON.parse(line) as TrainQuestion & { article: string };
  const list = questionsByArticle.get(question.article) ?? [];
  list.push(question);
  questionsByArticle.set(question.article, list);
}

const files = (await readdir(join(values.dataset, 'articles'))).filter((name) => name.endsWith('.md')).sort();
const random = seededRandom(Number(values.seed));
// Hold out whole articles: the validation curve must come from articles the model never saw.
const shuffled = [...files].sort(() => random() - 0.5);
const holdout = new Set(shuffled.slice(0, Number(values.holdout)));

await mkdir(values.out, { recursive: true });
const outputs = { train: [] as string[], valid: [] as string[] };
const stats = {
  articles: 0,
  questions: 0,
  skipped: 0,
  positive: 0,
  'hard-negative': 0,
  'answer-removed': 0,
  perturbed: 0,
};
for (const [index, file] of files.entries()) {
  const path = join(values.dataset, 'articles', file);
  const document = await loadDocument(path);
  const markdown = await readFile(path, 'utf8');
  const questions =
    questionsByArticle.get(document.title) ??
    questionsByArticle.get(file.replace(/\.md$/, '').replaceAll('_', ' ')) ??
    [];
  const chunks = chunkDocument(document, counter);
  const { examples, skipped } = buildExamples(
    document,
    chunks,
    paragraphOffsets(markdown, document.text),
    questions,
    tokenizer,
    random,
    { ...DefaultExampleOptions, perturbedRate },
  );
  stats.articles++;
  stats.questions += questions.length;
  stats.skipped += skipped;
  for (const example of examples) stats[example.kind]++;
  const target = holdout.has(file) ? outputs.valid : outputs.train;
  for (const example of examples) target.push(JSON.stringify(example));
  if (index % 20 === 0)
    process.stderr.write(`${index + 1}/${files.length} ${file}: ${examples.length} examples\n`);
}
await writeFile(join(values.out, 'train.jsonl'), `${outputs.train.join('\n')}\n`);
await writeFile(join(values.out, 'valid.jsonl'), `${outputs.valid.join('\n')}\n`);
await writeFile(
  join(values.out, 'prepare-stats.json'),
  `${JSON.stringify({ ...stats, holdout: [...holdout].sort(), seed: Number(values.seed), perturbedRate }, null, 2)}\n`,
);
process.stderr.write(`${JSON.stringify(stats)}\n`);
