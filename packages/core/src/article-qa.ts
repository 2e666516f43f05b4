import { resolve, sep } from 'node:path';
import type { Answerer, AnswerOutput, Citation } from './answer/answerer.js';
import type { ChatMessage, ChatModel } from './answer/chat-model.js';
import { mergeDuplicateCitations } from './answer/citations.js';
import { ExtractiveAnswerer, type ExtractiveOptions } from './answer/extractive-answerer.js';
import { rewriteFollowUp } from './answer/follow-up.js';
import { createLLMAnswerer } from './answer/llm-answerer.js';
import { rewriteQuestionMessages } from './answer/prompt.js';
import { ReaderAnswerer, type ReaderAnswererOptions } from './answer/reader-answerer.js';
import type { AskEvent, AskOptions, AskResult, SearchOptions } from './api-types.js';
import type { Embedder } from './embed/embedder.js';
import { type ChunkOptions, DefaultChunkOptions } from './ingest/chunk-document.js';
import { type IngestOptions, type IngestSummary, ingestSources } from './ingest/ingest-sources.js';
import type { SourceLoader } from './ingest/source-loader.js';
import type { Reader } from './read/reader.js';
import { DefaultRetrieveOptions, hybridSearch, type RetrieveOptions } from './retrieve/hybrid-search.js';
import { ReaderReranker, type Reranker } from './retrieve/rerank.js';
import type { RetrievedChunk } from './retrieve/retrieved-chunk.js';
import type { DocumentInfo } from './shared/document.js';
import { ArticleQAError, isArticleQAError } from './shared/errors.js';
import type { ArticleStore, IndexManifest } from './store/article-store.js';
import { type CopyCollectionOptions, type CopySummary, copyCollection } from './store/copy-collection.js';
import type { HnswOptions } from './store/local/hnsw-vector-store.js';
import { LocalStore } from './store/local/local-store.js';

/** Options for {@link openArticleQA}: a `store`, or a `dir` for the default local store. */
export interface OpenArticleQAOptions {
  /**
   * Where the collection lives: any {@link ArticleStore} (a Postgres store, an in-memory one in tests).
   * ArticleQA opens it, and closes it on {@link ArticleQA.close}.
   */
  store?: ArticleStore;
  /** Index folder of the default local store (SQLite + HNSW), used when `store` is not given. */
  dir?: string;
  /** Turns text into vectors; build one with `createLocalEmbedder` or `createOpenAIEmbedder`. */
  embedder: Embedder;
  /** When given, answers come from this model (the offline answer remains the fallback). */
  chatModel?: ChatModel;
  /**
   * Reads passages for short answers (`createLocalReader`). When given, the offline answer is the
   * reader's (a short answer with its sentence quoted) and the reader reranks retrieved chunks;
   * without it, the offline answer is the best-matching sentence.
   */
  reader?: Reader;
  /**
   * Reorders retrieved chunks before they are answered from. Defaults to the reader's reranking when a
   * reader is given; `false` switches the stage off.
   */
  reranker?: Reranker | false;
  /** The offline answerer, replacing the default (the reader's, or the sentence extractor). */
  answerer?: Answerer;
  /** Settings of the reader's answerer (sources read, abstention). */
  readerAnswerer?: ReaderAnswererOptions;
  /** Create the index when missing. @defaultValue true */
  create?: boolean;
  /** Chunking for a new index; an existing index keeps the settings it was built with. */
  chunking?: ChunkOptions;
  /** Retrieval defaults for `search` and `ask`. */
  retrieval?: Omit<RetrieveOptions, 'signal' | 'filter'>;
  extractive?: ExtractiveOptions;
  /** HNSW settings of the default local store. */
  hnsw?: HnswOptions;
  /** Used to fetch URLs during ingest. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Loaders for more kinds of sources, tried before the built-in ones (Markdown, HTML, text). */
  loaders?: readonly SourceLoader[];
}

/** Index statistics, as `articleqa stats` shows them. */
export interface IndexStats {
  /** Where the collection lives (the local store's folder). */
  location: string;
  documents: number;
  chunks: number;
  /** Distinct vectors (identical chunk texts share one). */
  vectors: number;
  /**
   * Vectors stored with their sentences' vectors; the rest were written by an embedder that makes
   * none, or before sentence vectors existed (those chunks are ranked and answered without them).
   */
  vectorsWithSentences: number;
  /** Bytes the collection takes, where the store can tell (the local store's files). */
  bytesOnDisk?: number;
  embedder: string;
  dimensions: number;
  chunker: Record<string, unknown>;
  schemaVersion: number;
  createdAt: string;
  lastIngestAt: string | null;
}

/** The outcome of {@link ArticleQA.remove}. */
export interface RemoveSummary {
  removed: { documentId: string; title: string; source: string }[];
  notFound: string[];
  /** References that name several documents (an id prefix they share), with the documents named. */
  ambiguous: { reference: string; matches: DocumentInfo[] }[];
}

/** Options for {@link ArticleQA.remove}. */
export interface RemoveOptions {
  /** Milliseconds to wait for another writer to finish (`Infinity`: no limit). @defaultValue 0 */
  waitForLock?: number;
  signal?: AbortSignal;
}

/** Most characters of a question; longer ones are refused rather than silently cut. */
export const MAX_QUESTION_LENGTH = 2000;

/** Chunks `ask` retrieves unless told otherwise. */
export const DEFAULT_ASK_K = 6;

/**
 * The library's entry point: an index plus the models that read and answer from it.
 *
 * @example
 * const embedder = createLocalEmbedder({ cacheDir: '.cache/articleqa' });
 * const qa = await openArticleQA({ dir: '.articleqa', embedder });
 * await qa.ingest(['corpus']);
 * const result = await qa.ask('Who will set up network security offices?');
 * console.log(result.answer, result.citations);
 * await qa.close();
 */
export class ArticleQA {
  readonly #store: ArticleStore;
  readonly #embedder: Embedder;
  readonly #chatModel: ChatModel | undefined;
  readonly #offline: Answerer;
  readonly #reranker: Reranker | undefined;
  readonly #llm: Answerer | undefined;
  readonly #options: OpenArticleQAOptions;

  private constructor(store: ArticleStore, options: OpenArticleQAOptions) {
    this.#store = store;
    this.#options = options;
    this.#embedder = options.embedder;
    this.#chatModel = options.chatModel;
    this.#offline =
      options.answerer ??
      (options.reader
        ? new ReaderAnswerer(options.reader, options.readerAnswerer ?? {})
        : new ExtractiveAnswerer(options.embedder, options.extractive ?? {}));
    this.#reranker =
      options.reranker === false
        ? undefined
        : (options.reranker ?? (options.reader ? new ReaderReranker(options.reader) : undefined));
    this.#llm = options.chatModel
      ? createLLMAnswerer({ chatModel: options.chatModel, fallback: this.#offline })
      : undefined;
  }

  /** Opens (or creates) the store. See {@link openArticleQA}. */
  static async open(options: OpenArticleQAOptions): Promise<ArticleQA> {
    let store = options.store;
    if (!store) {
      if (options.dir === undefined) {
        throw new ArticleQAError('E_CONFIG', 'openArticleQA needs a `store` or a `dir`.');
      }
      // Fail on a missing index before paying for a model load.
      if (options.create === false) LocalStore.assertExists(options.dir);
      store = new LocalStore({ dir: options.dir, ...(options.hnsw ? { hnsw: options.hnsw } : {}) });
    }
    await options.embedder.ready?.();
    await store.open({
      embedderId: options.embedder.id,
      dimensions: options.embedder.dimensions,
      chunker: { ...DefaultChunkOptions, ...options.chunking },
      create: options.create ?? true,
    });
    return new ArticleQA(store, options);
  }

  /** The store's manifest: schema version, embedder, chunker settings. */
  get manifest(): IndexManifest {
    return this.#store.manifest;
  }

  /** True when an LLM is configured. */
  get hasChatModel(): boolean {
    return this.#chatModel !== undefined;
  }

  /**
   * Ingests files, directories and http(s) URLs incrementally. Takes the index's write lock for the
   * duration; a second writer fails with `E_INDEX_LOCKED`.
   */
  async ingest(inputs: readonly string[], options: IngestOptions = {}): Promise<IngestSummary> {
    return ingestSources(
      inputs,
      {
        store: this.#store,
        embedder: this.#embedder,
        chunkOptions: this.#store.manifest.chunker as ChunkOptions,
      },
      {
        ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
        ...options,
        ...(this.#options.loaders || options.loaders
          ? { loaders: [...(options.loaders ?? []), ...(this.#options.loaders ?? [])] }
          : {}),
      },
    );
  }

  /**
   * Removes documents by id, unique id prefix, file path or URL. A prefix shared by several documents
   * removes none of them and is reported in `ambiguous`.
   */
  async remove(references: readonly string[], options: RemoveOptions = {}): Promise<RemoveSummary> {
    const summary: RemoveSummary = { removed: [], notFound: [], ambiguous: [] };
    await this.#store.lock({
      ...(options.waitForLock !== undefined ? { waitMs: options.waitForLock } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    try {
      for (const reference of references) {
        const matches = await this.findDocuments(reference);
        if (matches.length > 1) {
          summary.ambiguous.push({ reference, matches });
          continue;
        }
        const document = matches[0];
        if (!document || !(await this.#store.removeDocument(document.id))) {
          summary.notFound.push(reference);
          continue;
        }
        summary.removed.push({ documentId: document.id, title: document.title, source: document.source });
      }
    } finally {
      await this.#store.unlock();
    }
    return summary;
  }

  /**
   * Copies this collection (documents, chunks, vectors, sentence vectors) into another store without
   * embedding again: what `articleqa migrate` runs. Resumable and verified; see {@link copyCollection}.
   */
  copyTo(target: ArticleStore, options: CopyCollectionOptions = {}): Promise<CopySummary> {
    return copyCollection(this.#store, target, options);
  }

  /** Retrieves the chunks that best match `query`, best first. */
  async search(query: string, options: SearchOptions = {}): Promise<RetrievedChunk[]> {
    const text = validateQuestion(query, 'query');
    const outcome = await hybridSearch(
      text,
      this.#searchContext(),
      this.#retrieveOptions(options, DefaultRetrieveOptions.k),
    );
    return outcome.results;
  }

  /**
   * Answers a question from the articles with numbered citations that quote exact spans. Uses the
   * LLM when configured (falling back to the extractive answer if it fails), the extractive answerer
   * otherwise; abstains when the articles don't support an answer.
   */
  async ask(question: string, options: AskOptions = {}): Promise<AskResult> {
    const { onToken, ...rest } = options;
    // Without a token callback the LLM is asked for the whole answer at once (no stream to hold open).
    const result = await this.#ask(
      question,
      rest,
      (event) => {
        if (event.type === 'token') onToken?.(event.text);
      },
      onToken !== undefined,
    );
    // An offline answer arrives whole: a token callback gets it in one piece.
    if (result.answerer === 'extractive' && !result.fallbackReason) onToken?.(result.answer);
    return result;
  }

  /**
   * Answers like {@link ArticleQA.ask}, as events while the answer is made: `sources` once retrieval
   * and reranking are done, a `token` per piece of text an LLM streams, `fallback` when the LLM failed
   * and the offline answer replaces what it streamed, and last `done` with the final result, whose
   * answer and renumbered citations are the ones to show. Stopping the iteration early cancels the
   * answer.
   *
   * @example
   * for await (const event of qa.askStream('Who announced the plan?')) {
   *   if (event.type === 'token') process.stdout.write(event.text);
   *   if (event.type === 'done') console.log(event.result.citations);
   * }
   */
  async *askStream(question: string, options: Omit<AskOptions, 'onToken'> = {}): AsyncGenerator<AskEvent> {
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const queue: AskEvent[] = [];
    let wake: (() => void) | undefined;
    let settled = false;
    let failure: { error: unknown } | undefined;
    const push = (event: AskEvent) => {
      queue.push(event);
      wake?.();
    };
    this.#ask(question, { ...options, signal }, push, true)
      .then(
        (result) => push({ type: 'done', result }),
        (error: unknown) => {
          failure = { error };
        },
      )
      .finally(() => {
        settled = true;
        wake?.();
      });
    try {
      while (true) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (settled) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      if (failure) throw failure.error;
    } finally {
      // The consumer stopped early (break, return, a throw): nothing more will be read.
      if (!settled) controller.abort(new Error('The answer stream was closed.'));
    }
  }

  async #ask(
    question: string,
    options: Omit<AskOptions, 'onToken'>,
    emit: (event: AskEvent) => void,
    streamTokens: boolean,
  ): Promise<AskResult> {
    const started = performance.now();
    const text = validateQuestion(question);
    const history = options.history ?? [];
    const useLLM =
      options.answerer === 'llm' || (options.answerer !== 'extractive' && this.#llm !== undefined);
    if (options.answerer === 'llm' && !this.#llm) {
      throw new ArticleQAError(
        'E_CONFIG',
        'No chat model is configured: pass one to openArticleQA as chatModel.',
      );
    }
    const standaloneQuestion = await this.#standalone(text, history, useLLM, options.signal);
    const reranker = options.rerank === false ? undefined : this.#reranker;
    const outcome = await hybridSearch(
      standaloneQuestion,
      { ...this.#searchContext(), ...(reranker ? { reranker } : {}) },
      this.#retrieveOptions(options, DEFAULT_ASK_K),
    );
    const sources = outcome.results;
    const retrieved = performance.now();
    emit({ type: 'sources', standaloneQuestion, sources });
    const answerer = useLLM && this.#llm ? this.#llm : this.#offline;
    const answered: AnswerOutput = await answerer.answer(
      {
        question: text,
        standaloneQuestion,
        history,
        sources,
        queryVector: outcome.queryVector,
        sentences: outcome.sentences,
      },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(useLLM && streamTokens
          ? { onToken: (token: string) => emit({ type: 'token', text: token }) }
          : {}),
      },
    );
    const output = { ...answered, ...mergeDuplicateCitations(answered.answer, answered.citations) };
    if (output.fallbackReason) emit({ type: 'fallback', reason: output.fallbackReason });
    const finished = performance.now();
    return {
      question: text,
      standaloneQuestion,
      answer: output.answer,
      shortAnswer: output.abstained ? '' : (output.shortAnswer ?? ''),
      abstained: output.abstained,
      citations: withDocumentLabels(output.citations, sources),
      retrieved: sources,
      answerer: output.answerer,
      ...(output.fallbackReason ? { fallbackReason: output.fallbackReason } : {}),
      ...(output.droppedCitations?.length ? { droppedCitations: output.droppedCitations } : {}),
      ...(output.confidence !== undefined ? { confidence: output.confidence } : {}),
      ...(output.signals ? { signals: output.signals } : {}),
      timings: {
        retrieveMs: retrieved - started - outcome.timings.rerankMs,
        rerankMs: outcome.timings.rerankMs,
        answerMs: finished - retrieved,
        totalMs: finished - started,
      },
      ...(output.usage ? { usage: output.usage } : {}),
    };
  }

  /**
   * The documents a reference names, as `remove` and the `doc` filter resolve it: the one whose id,
   * path or URL it is, else every document whose id starts with it (several: an ambiguous prefix).
   */
  async findDocuments(reference: string): Promise<DocumentInfo[]> {
    const found = await this.#store.findDocuments(reference);
    return found.length > 0 ? found : this.#store.findDocuments(resolvePath(reference));
  }

  /**
   * The documents ingested from files inside a folder (at any depth), by title: what removing a folder
   * removes. The folder need not exist any more.
   */
  async documentsInFolder(folder: string): Promise<DocumentInfo[]> {
    const prefix = resolve(folder).replace(/[\\/]+$/, '') + sep;
    return (await this.#store.listDocuments()).filter((document) => document.source.startsWith(prefix));
  }

  /** Stored documents, by title. */
  listDocuments(): Promise<DocumentInfo[]> {
    return this.#store.listDocuments();
  }

  /** Counts, size and how the collection was built. */
  async stats(): Promise<IndexStats> {
    const counts = await this.#store.counts();
    const manifest = this.#store.manifest;
    return {
      location: this.#store.location,
      documents: counts.documents,
      chunks: counts.chunks,
      vectors: counts.vectors,
      vectorsWithSentences: counts.vectorsWithSentences,
      ...(counts.bytes !== undefined ? { bytesOnDisk: counts.bytes } : {}),
      embedder: manifest.embedderId,
      dimensions: manifest.dimensions,
      chunker: manifest.chunker,
      schemaVersion: manifest.schemaVersion,
      createdAt: manifest.createdAt,
      lastIngestAt: manifest.lastIngestAt,
    };
  }

  /** Saves pending changes and closes the store. The models are the caller's to close. */
  async close(): Promise<void> {
    await this.#store.close();
  }

  #searchContext() {
    return { store: this.#store, embedder: this.#embedder };
  }

  #retrieveOptions(options: SearchOptions, defaultK: number): RetrieveOptions {
    return {
      ...this.#options.retrieval,
      k: options.k ?? this.#options.retrieval?.k ?? defaultK,
      ...(options.filter ? { filter: options.filter } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
  }

  async #standalone(
    question: string,
    history: readonly ChatMessage[],
    useLLM: boolean,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    if (history.length === 0) return question;
    if (useLLM && this.#chatModel) {
      try {
        const result = await this.#chatModel.generate(
          rewriteQuestionMessages(history, question),
          signal ? { signal } : {},
        );
        const rewritten = result.text.trim();
        if (rewritten.length > 0 && rewritten.length <= MAX_QUESTION_LENGTH) return rewritten;
      } catch (error) {
        if (isArticleQAError(error, 'E_ABORTED')) throw error;
        // The answer step reports the endpoint failure; retrieval goes on with the heuristic.
      }
    }
    return rewriteFollowUp(question, history);
  }
}

/**
 * Opens an index for ingesting, searching and asking.
 * @throws IndexError `E_INDEX_NOT_FOUND` (with `create: false`), `E_INDEX_MISMATCH`, `E_INDEX_CORRUPT`.
 */
export function openArticleQA(options: OpenArticleQAOptions): Promise<ArticleQA> {
  return ArticleQA.open(options);
}

/** A question (or a search query: `what` names it in the message) trimmed, and within the limit. */
function validateQuestion(question: string, what: 'question' | 'query' = 'question'): string {
  const text = question.trim();
  if (text.length === 0) throw new ArticleQAError('E_INPUT', `The ${what} is empty.`);
  if (text.length > MAX_QUESTION_LENGTH) {
    throw new ArticleQAError(
      'E_INPUT',
      `The ${what} is ${text.length} characters long; the limit is ${MAX_QUESTION_LENGTH}.`,
    );
  }
  return text;
}

function resolvePath(reference: string): string {
  return /^[a-z]+:\/\//i.test(reference) ? reference : resolve(reference);
}

/** Citations with their document's byline and date, which every answerer leaves to the sources. */
function withDocumentLabels(citations: readonly Citation[], sources: readonly RetrievedChunk[]): Citation[] {
  const labels = new Map(sources.map((source) => [source.documentId, source]));
  return citations.map((citation) => {
    const label = labels.get(citation.documentId);
    return {
      ...citation,
      ...(label?.byline && citation.byline === undefined ? { byline: label.byline } : {}),
      ...(label?.publishedAt && citation.publishedAt === undefined ? { publishedAt: label.publishedAt } : {}),
    };
  });
}
