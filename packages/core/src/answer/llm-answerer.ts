import { AbortError, LLMError, throwIfAborted } from '../shared/errors.js';
import type { AnswerCallOptions, Answerer, AnswerInput, AnswerOutput } from './answerer.js';
import type { ChatModel, TokenUsage } from './chat-model.js';
import { resolveCitations } from './citations.js';
import { ABSTENTION_PHRASE, buildAnswerMessages, type PromptOptions } from './prompt.js';

/** Options for {@link createLLMAnswerer}. */
export interface LLMAnswererOptions {
  chatModel: ChatModel;
  /** Answers instead when the model fails (unreachable, 401, 429 or 5xx after retries, timeout). */
  fallback: Answerer;
  /** Bounds on the history sent to the model. */
  prompt?: PromptOptions;
  /**
   * What to do with an answer that cites no source although sources were given: it cannot be checked
   * against them. `'fallback'` answers with the fallback (its `fallbackReason` says why), `'abstain'`
   * reports an abstention, `'keep'` returns the text with no citations.
   * @defaultValue `'fallback'`
   */
  uncitedAnswer?: 'fallback' | 'abstain' | 'keep';
}

// "The articles don't say…", "The sources do not mention…", "I don't know…", "There is no information…".
const abstentionPattern = new RegExp(
  [
    String.raw`^(?:the\s+)?(?:provided\s+|given\s+)?(?:articles?|sources?|documents?|context)\s+(?:do(?:es)?\s*n['’]?o?t|do(?:es)?\s+not)\s+(?:say|mention|contain|specify|state|cover|include|provide|discuss|answer)`,
    String.raw`^i\s+(?:do\s+not|don['’]t|cannot|can['’]t|could\s*n['’]?o?t)\s+(?:know|find|answer|tell)`,
    String.raw`^there\s+is\s+no\s+(?:relevant\s+)?information`,
  ].join('|'),
  'i',
);

/** True when `text` opens the way an abstaining answer does (see {@link ABSTENTION_PHRASE}). */
export function isAbstention(text: string): boolean {
  return abstentionPattern.test(text.trim().replace(/^[*_"“]+/, ''));
}

/**
 * Answers with a {@link ChatModel} from numbered sources, then checks the model's `[n]` markers
 * against them and quotes each cited source exactly (see {@link resolveCitations}; citations are
 * renumbered in order of first appearance).
 *
 * Streaming: with `onToken`, the model's raw text is passed on as it arrives. Markers later found to be
 * unknown cannot be taken back, so the returned `answer` (cleaned, renumbered) is authoritative and
 * apps should replace the streamed text with it. If the answer then falls back (see below), the
 * fallback's text is streamed only when no model token was streamed before.
 *
 * Abstains without calling the model when there are no sources, and when the model's answer opens
 * with "The articles don't say" (or a similar phrase) and cites nothing. An answer citing nothing
 * otherwise is handled by `uncitedAnswer`. On {@link LLMError} the fallback answerer answers, with
 * `answerer: 'extractive'` and a one-line `fallbackReason`; a cancelled call rejects with
 * {@link AbortError} and never falls back.
 */
export class LLMAnswerer implements Answerer {
  readonly kind = 'llm' as const;
  readonly #options: LLMAnswererOptions;

  constructor(options: LLMAnswererOptions) {
    this.#options = options;
  }

  async answer(input: AnswerInput, options: AnswerCallOptions = {}): Promise<AnswerOutput> {
    const { signal, onToken } = options;
    throwIfAborted(signal);
    if (input.sources.length === 0) {
      const answer = `${ABSTENTION_PHRASE} anything about this: no article matched the question.`;
      onToken?.(answer);
      return { answer, abstained: true, citations: [], answerer: 'llm' };
    }
    const messages = buildAnswerMessages(input, this.#options.prompt);
    let text = '';
    let streamed = false;
    let usage: TokenUsage | undefined;
    try {
      if (onToken) {
        for await (const part of this.#options.chatModel.stream(messages, signal ? { signal } : {})) {
          if (part.type === 'text-delta') {
            streamed = true;
            text += part.text;
            onToken(part.text);
          } else {
            text = part.result.text;
            usage = part.result.usage;
          }
        }
      } else {
        ({ text, usage } = await this.#options.chatModel.generate(messages, signal ? { signal } : {}));
      }
    } catch (error) {
      if (signal?.aborted && !(error instanceof AbortError))
        throw new AbortError(undefined, { cause: error });
      if (error instanceof LLMError) return this.#fallback(input, options, streamed, error.message);
      throw error;
    }
    if (text.trim() === '')
      return this.#fallback(input, options, streamed, 'The model returned an empty answer.');

    const resolved = resolveCitations(text, input.sources);
    const extras = {
      ...(resolved.dropped.length > 0 ? { droppedCitations: resolved.dropped } : {}),
      ...(usage ? { usage } : {}),
    };
    if (resolved.citations.length === 0) {
      const abstained = isAbstention(resolved.text);
      const policy = this.#options.uncitedAnswer ?? 'fallback';
      if (!abstained && policy === 'fallback') {
        return this.#fallback(input, options, streamed, 'The model answered without citing any source.');
      }
      const answer =
        abstained || policy === 'keep'
          ? resolved.text
          : `${ABSTENTION_PHRASE} enough to support a cited answer.`;
      return {
        answer,
        abstained: abstained || policy === 'abstain',
        citations: [],
        answerer: 'llm',
        ...extras,
      };
    }
    return {
      answer: resolved.text,
      abstained: false,
      citations: resolved.citations,
      answerer: 'llm',
      ...extras,
    };
  }

  async #fallback(input: AnswerInput, options: AnswerCallOptions, streamed: boolean, reason: string) {
    const { signal, onToken } = options;
    // Streaming the fallback after model tokens would splice two answers together in the app's view.
    const fallbackOptions = { ...(signal ? { signal } : {}), ...(onToken && !streamed ? { onToken } : {}) };
    const output = await this.#options.fallback.answer(input, fallbackOptions);
    return { ...output, answerer: 'extractive', fallbackReason: reason } satisfies AnswerOutput;
  }
}

/**
 * Creates an {@link LLMAnswerer}.
 *
 * @example
 * ```ts
 * const answerer = createLLMAnswerer({ chatModel, fallback: extractiveAnswerer });
 * const output = await answerer.answer(input, { onToken: (text) => process.stdout.write(text) });
 * if (output.fallbackReason) console.error(`LLM unavailable: ${output.fallbackReason}`);
 * ```
 */
export function createLLMAnswerer(options: LLMAnswererOptions): LLMAnswerer {
  return new LLMAnswerer(options);
}
