import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { ModelError } from '../shared/errors.js';

/** A batch of BERT inputs, row-major `[rows, width]`, padded with id 0 and mask 0. */
export interface EncodedBatch {
  readonly rows: number;
  readonly width: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
}

/**
 * Pads token rows into one batch: ids and token types row by row, zeros after each row, the attention
 * mask 1 over each row's own tokens. A row without `types` is all type 0 (a single text).
 */
export function padBatch(
  rows: readonly { ids: readonly number[]; types?: readonly number[] }[],
): EncodedBatch {
  const width = Math.max(...rows.map((row) => row.ids.length));
  const inputIds = new BigInt64Array(rows.length * width);
  const tokenTypeIds = new BigInt64Array(rows.length * width);
  const attentionMask = new BigInt64Array(rows.length * width);
  for (const [row, { ids, types }] of rows.entries()) {
    const base = row * width;
    for (const [position, id] of ids.entries()) {
      inputIds[base + position] = BigInt(id);
      if (types) tokenTypeIds[base + position] = BigInt(types[position]!);
    }
    attentionMask.fill(1n, base, base + ids.length);
  }
  return { rows: rows.length, width, inputIds, attentionMask, tokenTypeIds };
}

/** The model's first output, `[rows, width, hidden]` for a BERT encoder. */
export interface HiddenStates {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** Options of {@link loadOnnxModel}. */
export interface OnnxModelOptions {
  /** The `.onnx` file. */
  readonly modelPath: string;
  /**
   * Threads onnxruntime uses inside one model call. Its Node binding 1.14 defaults to one thread, which
   * leaves the other cores idle: on 2 cores, 2 threads ran MiniLM-L6 int8 at 1.86x the speed of 1
   * (docs/benchmarks.md, runtime table).
   * @defaultValue `os.availableParallelism()`
   */
  readonly threads?: number | undefined;
  /**
   * Runs the model in a worker thread. onnxruntime-node 1.14 runs a model call synchronously on the
   * calling thread, so in-process a batch blocks the event loop for its whole duration (about 100 ms
   * for 8 chunks): a bot misses gateway heartbeats and acknowledgements, and ingest cannot parse and
   * write while the model works.
   * @defaultValue true
   */
  readonly worker?: boolean | undefined;
}

/** A loaded ONNX encoder. */
export interface OnnxModel {
  readonly inputNames: readonly string[];
  /** Runs one batch. @throws ModelError `E_EMBED` when the runtime fails or the worker died. */
  run(batch: EncodedBatch): Promise<HiddenStates>;
  /** Frees the session (and ends the worker); later `run` calls reject. */
  close(): Promise<void>;
}

// One onnxruntime-node for the whole package, resolved from here so that a worker thread loads the
// very same binding the main thread would.
const requireHere = createRequire(import.meta.url);
const RUNTIME_PATH = requireHere.resolve('onnxruntime-node');

function sessionOptions(threads: number): InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    // One model call at a time per session: no inter-op pool needed.
    interOpNumThreads: 1,
  };
}

/**
 * Loads an ONNX model with onnxruntime-node (the version whose npm package carries its CPU binaries
 * for Linux, macOS and Windows, so nothing is downloaded at install).
 * @throws ModelError `E_MODEL_LOAD` when the file is missing or not a model the runtime can run.
 */
export async function loadOnnxModel(options: OnnxModelOptions): Promise<OnnxModel> {
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ModelError('E_MODEL_LOAD', `Model threads must be a positive integer, got ${threads}.`);
  }
  return options.worker === false
    ? loadInProcess(options.modelPath, threads)
    : loadInWorker(options.modelPath, threads);
}

async function loadInProcess(modelPath: string, threads: number): Promise<OnnxModel> {
  const ort = requireHere(RUNTIME_PATH) as typeof import('onnxruntime-node');
  let session: InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(modelPath, sessionOptions(threads));
  } catch (error) {
    throw loadError(modelPath, error);
  }
  const inputNames = session.inputNames;
  return {
    inputNames,
    async run(batch) {
      if (!session) throw closedError();
      try {
        const output = (await session.run(feeds(ort.Tensor, batch, inputNames)))[session.outputNames[0]!]!;
        return { dims: output.dims, data: output.data as Float32Array };
      } catch (error) {
        throw runError(batch, error);
      }
    },
    async close() {
      // The 1.14 binding frees a session when it is collected; dropping the reference is the release.
      session = undefined;
    },
  };
}

type TensorConstructor = typeof Tensor;

function feeds(
  TensorClass: TensorConstructor,
  batch: EncodedBatch,
  inputNames: readonly string[],
): Record<string, Tensor> {
  const dims = [batch.rows, batch.width];
  const all: Record<string, Tensor> = {
    input_ids: new TensorClass('int64', batch.inputIds, dims),
    attention_mask: new TensorClass('int64', batch.attentionMask, dims),
    token_type_ids: new TensorClass('int64', batch.tokenTypeIds, dims),
  };
  return Object.fromEntries(inputNames.map((name) => [name, all[name]!]));
}

// The model host's code. It is evaluated from this string rather than loaded from a file so that it
// runs the same from the TypeScript sources (tests) and the built package, with no path to resolve.
const HOST_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.runtimePath);
const sessions = new Map();
const describe = (error) => ({ message: String((error && error.message) || error), name: (error && error.name) || 'Error' });
// One message at a time: an unload waits for the calls queued before it.
let queue = Promise.resolve();
parentPort.on('message', (message) => { queue = queue.then(() => handle(message)); });
async function handle(message) {
  const { type, id } = message;
  try {
    if (type === 'load') {
      const session = await ort.InferenceSession.create(message.modelPath, message.sessionOptions);
      sessions.set(id, session);
      parentPort.postMessage({ id, inputNames: session.inputNames });
    } else if (type === 'unload') {
      sessions.delete(message.session);
      parentPort.postMessage({ id });
    } else {
      const session = sessions.get(message.session);
      const { rows, width, inputIds, attentionMask, tokenTypeIds } = message.batch;
      const dims = [rows, width];
      const all = {
        input_ids: new ort.Tensor('int64', inputIds, dims),
        attention_mask: new ort.Tensor('int64', attentionMask, dims),
        token_type_ids: new ort.Tensor('int64', tokenTypeIds, dims),
      };
      const feeds = {};
      for (const name of session.inputNames) feeds[name] = all[name];
      const output = (await session.run(feeds))[session.outputNames[0]];
      parentPort.postMessage({ id, dims: output.dims, data: output.data });
    }
  } catch (error) {
    parentPort.postMessage({ id, error: describe(error) });
  }
}
`;

interface HostReply {
  id: number;
  inputNames?: string[];
  dims?: number[];
  data?: Float32Array;
  error?: { message: string; name: string };
}

interface HostCall {
  resolve: (reply: HostReply) => void;
  reject: (error: Error) => void;
}

/**
 * The one worker thread that runs every worker-backed model of the process (the embedder and the
 * reader share it). One host rather than a worker per model because onnxruntime-node 1.14 keeps
 * process-wide state: a process that had run a model on its main thread and then started two model
 * workers crashed on exit in 3 of 8 runs, while one host worker never did. The models' calls are
 * serialised, which costs nothing, since each call already uses every core.
 */
class ModelHost {
  readonly #worker: Worker;
  readonly #calls = new Map<number, HostCall>();
  #nextId = 0;
  #failure: Error | undefined;

  constructor() {
    this.#worker = new Worker(HOST_SOURCE, {
      eval: true,
      // The code is CommonJS; a parent started with flags such as --input-type=module would pass them on.
      execArgv: [],
      workerData: { runtimePath: RUNTIME_PATH },
    });
    this.#worker.on('message', (reply: HostReply) => {
      const call = this.#calls.get(reply.id);
      if (!call) return;
      this.#calls.delete(reply.id);
      this.#settled();
      call.resolve(reply);
    });
    const fail = (error: Error) => {
      this.#failure ??= error;
      if (host === this) host = undefined;
      for (const [id, call] of this.#calls) {
        this.#calls.delete(id);
        call.reject(error);
      }
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`the model worker exited (${code})`)));
    // An idle host does not keep the process alive; a call in flight does.
    this.#worker.unref();
  }

  /** Sends one message and waits for its reply; rejects when the worker dies first. */
  call(message: Record<string, unknown>): Promise<HostReply> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<HostReply>((resolve, reject) => {
      this.#calls.set(id, { resolve, reject });
      if (this.#calls.size === 1) this.#worker.ref();
      this.#worker.postMessage({ ...message, id });
    });
  }

  #settled(): void {
    if (this.#calls.size === 0) this.#worker.unref();
  }
}

// Module state: the process's model host, started by the first worker-backed model. It is never
// ended (an idle host costs a thread and holds no model): ending a worker while onnxruntime runs in
// it aborts the process, since the binding throws a C++ exception it cannot deliver.
let host: ModelHost | undefined;

async function loadInWorker(modelPath: string, threads: number): Promise<OnnxModel> {
  // The binding is loaded here too and stays loaded: Node can load a native addon into a new thread
  // only while some thread of the process still holds it ("Module did not self-register" otherwise).
  requireHere(RUNTIME_PATH);
  host ??= new ModelHost();
  const modelHost = host;
  let loaded: HostReply;
  try {
    loaded = await modelHost.call({ type: 'load', modelPath, sessionOptions: sessionOptions(threads) });
  } catch (error) {
    throw loadError(modelPath, error);
  }
  if (loaded.error) throw loadError(modelPath, asError(loaded.error));
  const session = loaded.id;
  let closed = false;
  const inFlight = new Set<Promise<unknown>>();
  return {
    inputNames: loaded.inputNames ?? [],
    async run(batch) {
      if (closed) throw runError(batch, closedError());
      const call = modelHost.call({ type: 'run', session, batch });
      inFlight.add(call);
      let reply: HostReply;
      try {
        reply = await call;
      } catch (error) {
        throw runError(batch, error);
      } finally {
        inFlight.delete(call);
      }
      if (closed) throw runError(batch, closedError());
      if (reply.error) throw runError(batch, asError(reply.error));
      return { dims: reply.dims ?? [], data: reply.data ?? new Float32Array() };
    },
    async close() {
      if (closed) return;
      closed = true;
      // The host answers the unload after the calls queued before it, so the session is freed idle.
      await modelHost.call({ type: 'unload', session }).catch(() => undefined);
    },
  };
}

function asError(described: { message: string; name: string } | undefined): Error {
  const error = new Error(described?.message ?? 'unknown error');
  error.name = described?.name ?? 'Error';
  return error;
}

function closedError(): Error {
  return new Error('the model was closed');
}

function loadError(modelPath: string, cause: unknown): ModelError {
  return new ModelError('E_MODEL_LOAD', `onnxruntime could not load the model ${modelPath}.`, {
    cause,
    hint: 'Delete the cache directory to rebuild the model.',
  });
}

function runError(batch: EncodedBatch, cause: unknown): ModelError {
  return new ModelError('E_EMBED', `The model failed on a batch of ${batch.rows} inputs.`, { cause });
}
