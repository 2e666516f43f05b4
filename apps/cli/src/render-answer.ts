import type { AskEvent, AskResult } from '@articleqa/core';
import { printAnswer } from './commands/ask.js';
import type { Output } from './output.js';

/** Options for {@link renderAnswer}. */
export interface RenderAnswerOptions {
  /** Print LLM tokens as they arrive (false for --json). */
  stream: boolean;
  /** Print the answer and its sources when done (false for --json: the caller prints the result). */
  print: boolean;
}

/**
 * Renders an `askStream` for a person, the one renderer of `ask` and `chat`: LLM tokens as they come,
 * then the sources. The streamed text is the model's raw text; when the final answer differs (citation
 * numbers renumbered to match the sources, unknown ones dropped), the final answer replaces it: on a
 * terminal the streamed lines are erased and rewritten, elsewhere the corrected answer follows a note.
 */
export async function renderAnswer(
  output: Output,
  events: AsyncIterable<AskEvent>,
  options: RenderAnswerOptions,
): Promise<AskResult> {
  let streamed = '';
  for await (const event of events) {
    if (event.type === 'token' && options.stream) {
      streamed += event.text;
      process.stdout.write(event.text);
    } else if (event.type === 'done') {
      const { result } = event;
      if (!options.print) return result;
      if (streamed === '') {
        printAnswer(output, result);
        return result;
      }
      process.stdout.write('\n');
      if (result.fallbackReason) {
        printAnswer(output, result);
      } else if (streamed.trim() === result.answer.trim()) {
        printAnswer(output, result, { answerPrinted: true });
      } else if (output.stdoutIsTTY) {
        eraseLines(rowsOf(streamed, process.stdout.columns));
        printAnswer(output, result);
      } else {
        output.info(output.errColors.dim('(citation numbers corrected to match the sources:)'));
        printAnswer(output, result);
      }
      return result;
    }
  }
  throw new Error('The answer stream ended without a result.');
}

/** Terminal rows that text took, wrapped at `columns`. */
function rowsOf(text: string, columns: number | undefined): number {
  const width = columns && columns > 0 ? columns : 80;
  return text.split('\n').reduce((rows, line) => rows + Math.max(1, Math.ceil(line.length / width)), 0);
}

/** Moves the cursor up over `rows` rows just written and clears from there down. */
function eraseLines(rows: number): void {
  process.stdout.write(`\u001b[${rows}F\u001b[J`);
}
