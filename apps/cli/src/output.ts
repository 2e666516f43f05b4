import pc from 'picocolors';

/** Where and how the CLI writes: data to stdout, messages to stderr, colours only on a TTY. */
export interface Output {
  /** Machine or primary output (answers, JSON). */
  out(text: string): void;
  /** Human messages: progress, notices, errors. Suppressed by --quiet except errors. */
  info(text: string): void;
  error(text: string): void;
  verbose(text: string): void;
  colors: ReturnType<typeof pc.createColors>;
  errColors: ReturnType<typeof pc.createColors>;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

/** Output settings from the global flags. */
export interface OutputOptions {
  quiet?: boolean;
  verbose?: boolean;
}

function colorsFor(stream: NodeJS.WriteStream): boolean {
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}

export function createOutput(options: OutputOptions = {}): Output {
  const errColors = pc.createColors(colorsFor(process.stderr));
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    info: (text) => {
      if (!options.quiet) process.stderr.write(`${text}\n`);
    },
    error: (text) => process.stderr.write(`${text}\n`),
    verbose: (text) => {
      if (options.verbose) process.stderr.write(`${errColors.dim(text)}\n`);
    },
    colors: pc.createColors(colorsFor(process.stdout)),
    errColors,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}
