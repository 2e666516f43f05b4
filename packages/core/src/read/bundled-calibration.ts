import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let calibration: Readonly<Record<string, unknown>> | undefined;

/**
 * What `pnpm bench --full --only reader` fitted for the bundled reader on the SQuAD dev half
 * (`models/reader/abstention.json`): the abstention's weights and threshold, the sentence weight, the
 * reranker's promotion threshold. Empty when the file is missing or unreadable; read once.
 */
export function bundledCalibration(): Readonly<Record<string, unknown>> {
  if (calibration) return calibration;
  try {
    const parsed: unknown = JSON.parse(
      readFileSync(fileURLToPath(new URL('../../models/reader/abstention.json', import.meta.url)), 'utf8'),
    );
    calibration = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    calibration = {};
  }
  return calibration;
}
