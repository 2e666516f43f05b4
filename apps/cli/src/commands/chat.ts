import { createInterface } from 'node:readline';
import type { AskResult, ChatMessage } from '@articleqa/core';
import { ensureCorpusIndexed, type GlobalOptions, openContext } from '../context.js';
import { describeError, ExitCode } from '../errors.js';
import { renderAnswer } from '../render-answer.js';
import { printAnswer } from './ask.js';

export interface ChatCommandOptions extends GlobalOptions {
  k?: number;
  llm?: boolean;
  corpus: string;
}

const HELP =
  'Ask a question, or: /sources (last sources), /clear (forget the conversation), /exit. Ctrl-C cancels an answer; twice exits.';

/** `articleqa chat`: questions with history; one question a line when stdin is not a TTY. */
export async function chatCommand(options: ChatCommandOptions): Promise<number> {
  const context = await openContext(options, { create: true, llm: options.llm !== false });
  const { output } = context;
  const interactive = process.stdin.isTTY === true;
  const history: ChatMessage[] = [];
  let last: AskResult | undefined;
  let current: AbortController | undefined;
  let lastInterrupt = 0;
  let exitCode: number = ExitCode.ok;

  try {
    await ensureCorpusIndexed(context, options.corpus);
    const lines = createInterface({
      input: process.stdin,
      output: interactive ? process.stderr : undefined,
      terminal: interactive,
    });
    let closed = false;
    lines.on('close', () => {
      closed = true;
      // Ctrl-D or a second Ctrl-C at the prompt: leave the shell's prompt on a line of its own.
      if (interactive) process.stderr.write('\n');
    });
    const onInterrupt = () => {
      if (current) {
        current.abort(new Error('Cancelled'));
        output.info(output.errColors.dim('\n(cancelled)'));
        return;
      }
      const now = Date.now();
      if (now - lastInterrupt < 2000) {
        // No prompt after this: prompting a closed interface resumes stdin, and the process then
        // lives on with a prompt that answers nothing.
        lines.close();
        return;
      }
      output.info(output.errColors.dim('\n(press Ctrl-C again to exit)'));
      lastInterrupt = now;
      if (interactive) lines.prompt();
    };
    lines.on('SIGINT', onInterrupt);
    process.on('SIGINT', onInterrupt);
    if (interactive) {
      output.info(output.errColors.dim(HELP));
      lines.setPrompt(output.errColors.cyan('› '));
      lines.prompt();
    }
    try {
      for await (const raw of lines) {
        const line = raw.trim();
        if (line === '/exit' || line === '/quit') break;
        if (line === '/help') output.info(HELP);
        else if (line === '/clear') {
          history.length = 0;
          last = undefined;
          output.info(output.errColors.dim('(conversation cleared)'));
        } else if (line === '/sources') {
          if (!last) output.info('No sources yet: ask a question first.');
          else if (last.citations.length === 0)
            output.info('No sources: the last answer found nothing in the articles to cite.');
          else printAnswer(output, { ...last, answer: '' }, { answerPrinted: true });
        } else if (line.length > 0) {
          current = new AbortController();
          try {
            last = await renderAnswer(
              output,
              context.qa.askStream(line, {
                history,
                signal: current.signal,
                ...(options.k ? { k: options.k } : {}),
              }),
              { stream: true, print: true },
            );
            output.out('');
            history.push({ role: 'user', content: line }, { role: 'assistant', content: last.answer });
          } catch (error) {
            const described = describeError(error);
            if (!current.signal.aborted) {
              output.error(`${output.errColors.red('error')} ${described.message}`);
              if (!described.expected) exitCode = ExitCode.failure;
            }
          } finally {
            current = undefined;
          }
        }
        if (interactive && !closed) lines.prompt();
      }
    } finally {
      process.removeListener('SIGINT', onInterrupt);
      lines.close();
    }
    return exitCode;
  } finally {
    await context.close();
  }
}
