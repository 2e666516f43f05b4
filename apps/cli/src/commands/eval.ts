import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type EvalMetrics, evaluate, parseQuestions } from '@articleqa/core';
import { type GlobalOptions, openContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { createProgress } from '../progress.js';

export interface EvalCommandOptions extends GlobalOptions {
  corpus?: string;
  k: number;
  out?: string;
  json?: boolean;
  llm?: boolean;
}

/** `articleqa eval <questions.jsonl>` */
export async function evalCommand(file: string, options: EvalCommandOptions): Promise<number> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`);
  });
  const questions = parseQuestions(text, file);
  const context = await openContext(options, {
    create: options.corpus !== undefined,
    llm: options.llm !== false,
  });
  const out = options.out ? createWriteStream(options.out) : undefined;
  try {
    if (options.corpus) {
      const progress = createProgress(context.output, 'Ingesting', { quiet: options.quiet === true });
      const summary = await context.qa.ingest([options.corpus], {
        onProgress: progress.update,
        prune: false,
      });
      progress.done();
      context.output.info(
        context.output.errColors.dim(
          `Corpus: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.failed} failed.`,
        ),
      );
    }
    const tty = context.output.stderrIsTTY && !options.quiet;
    const { metrics } = await evaluate(context.qa, questions, {
      k: options.k,
      onRecord: (record, done, total) => {
        out?.write(`${JSON.stringify(record)}\n`);
        if (tty) process.stderr.write(`\r\x1b[2KEvaluating ${done}/${total}`);
      },
    });
    if (tty) process.stderr.write('\r\x1b[2K');
    if (options.json) context.output.out(JSON.stringify(metrics, null, 2));
    else printMetrics(context.output, metrics);
    return ExitCode.ok;
  } finally {
    if (out) await new Promise<void>((resolve) => out.end(resolve));
    await context.close();
  }
}

function printMetrics(output: Output, metrics: EvalMetrics): void {
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  // A rate over no questions is not 0%: the set had none of that kind.
  const over = (questions: number, value: number) =>
    questions > 0 ? percent(value) : 'n/a (none in the set)';
  const answerable = (value: number) => over(metrics.answerable, value);
  const rows: [string, string][] = [
    [
      'questions',
      `${metrics.questions} (${metrics.answerable} answerable, ${metrics.unanswerable} unanswerable)`,
    ],
    ['answer recall@1', answerable(metrics.recallAt1)],
    ['answer recall@5', answerable(metrics.recallAt5)],
    ['answer recall@10', answerable(metrics.recallAt10)],
    [`recall in ${metrics.contextBudget} chars`, answerable(metrics.recallWithinBudget)],
    ['MRR@10', metrics.answerable > 0 ? metrics.mrrAt10.toFixed(3) : 'n/a (none in the set)'],
    ['answer hit rate', answerable(metrics.answerHitRate)],
    ['citation accuracy', answerable(metrics.citationAccuracy)],
    [
      'short-answer F1',
      metrics.shortAnswerPresent > 0 ? percent(metrics.shortAnswerF1) : 'n/a (no short answers)',
    ],
    ['short-answer exact match', metrics.shortAnswerPresent > 0 ? percent(metrics.shortAnswerExact) : 'n/a'],
    ['abstained, unanswerable', over(metrics.unanswerable, metrics.abstentionOnUnanswerable)],
    ['abstained, answerable', answerable(metrics.abstentionOnAnswerable)],
    ['latency p50 / p95', `${metrics.latencyP50Ms.toFixed(1)} ms / ${metrics.latencyP95Ms.toFixed(1)} ms`],
  ];
  for (const [label, value] of rows) output.out(`${output.colors.dim(label.padEnd(26))} ${value}`);
}
