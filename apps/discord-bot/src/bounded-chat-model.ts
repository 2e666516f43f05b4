import {
  type ChatCallOptions,
  type ChatMessage,
  type ChatModel,
  type ChatResult,
  type ChatStreamPart,
  LLMError,
} from '@articleqa/core';

/** Bounds of {@link boundedChatModel}. */
export interface ChatBounds {
  /** LLM calls in flight at once, in the whole process; more wait their turn. */
  maxConcurrent: number;
  /**
   * Longest a call may take, its wait for a turn and the client's own retries included. Past it the
   * call fails with an `LLMError`, and the answer falls back to the offline one, with a note.
   */
  deadlineMs: number;
  /**
   * Told when each call ends: without `error` when it answered, with it when it failed (the deadline
   * included). A call its caller cancelled is not reported: that is not the LLM failing.
   */
  onCallEnd?: (outcome: { error?: unknown }) => void;
}

/**
 * A chat model whose calls share `maxConcurrent` slots and each end by `deadlineMs`: a burst of
 * questions from many servers sends at most that many requests to the provider at once (instead of
 * hundreds that it would answer with 429s), and a hanging endpoint costs a user `deadlineMs`, not
 * every retry's timeout added up.
 */
export function boundedChatModel(
  model: ChatModel,
  bounds: ChatBounds,
): ChatModel & { readonly inFlight: number } {
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const acquire = (signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (inFlight < bounds.maxConcurrent) {
        inFlight += 1;
        resolve();
        return;
      }
      const onAbort = () => {
        const index = waiting.indexOf(grant);
        if (index >= 0) waiting.splice(index, 1);
        reject(signal.reason);
      };
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        inFlight += 1;
        resolve();
      };
      waiting.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  const release = () => {
    inFlight -= 1;
    waiting.shift()?.();
  };

  /** The call's signal: the caller's, or the deadline's; a deadline becomes an LLMError. */
  const bounded = (options: ChatCallOptions | undefined) => {
    const deadline = AbortSignal.timeout(bounds.deadlineMs);
    const signal = options?.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const translate = (error: unknown): unknown =>
      deadline.aborted && !options?.signal?.aborted
        ? new LLMError(`The LLM did not answer within ${Math.round(bounds.deadlineMs / 1000)} s.`, {
            cause: error,
            isRetryable: true,
          })
        : error;
    /** The error to throw for a failed call, reported unless the caller cancelled it. */
    const fail = (error: unknown): unknown => {
      const translated = translate(error);
      if (!options?.signal?.aborted) bounds.onCallEnd?.({ error: translated });
      return translated;
    };
    return { signal, translate, fail };
  };

  /** Waits for a slot under the call's deadline; the caller releases it. */
  const enter = async (options: ChatCallOptions | undefined) => {
    const call = bounded(options);
    try {
      await acquire(call.signal);
    } catch (error) {
      throw call.fail(error);
    }
    if (call.signal.aborted) {
      // Cancelled right as the slot came free: never start the request.
      release();
      throw call.translate(call.signal.reason);
    }
    return call;
  };

  return {
    id: model.id,
    get inFlight() {
      return inFlight;
    },
    async generate(messages: readonly ChatMessage[], options?: ChatCallOptions): Promise<ChatResult> {
      const call = await enter(options);
      try {
        const result = await model.generate(messages, { ...options, signal: call.signal });
        bounds.onCallEnd?.({});
        return result;
      } catch (error) {
        throw call.fail(error);
      } finally {
        release();
      }
    },
    async *stream(
      messages: readonly ChatMessage[],
      options?: ChatCallOptions,
    ): AsyncIterable<ChatStreamPart> {
      const call = await enter(options);
      try {
        for await (const part of model.stream(messages, { ...options, signal: call.signal })) yield part;
        bounds.onCallEnd?.({});
      } catch (error) {
        throw call.fail(error);
      } finally {
        release();
      }
    },
  };
}
