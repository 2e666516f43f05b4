import type { IngestCorpusResult, ModelFacts, Results } from '../results.js';

/** Pipeline throughput over raw throughput on the same texts, interleaved file by file: wall time. */
export function interleavedRatio(corpus: IngestCorpusResult): number {
  return corpus.interleaved.rawMs / corpus.interleaved.pipelineMs;
}

/** The same by CPU time (all threads), which other processes disturb less than wall time. */
export function cpuRatio(corpus: IngestCorpusResult): number {
  return corpus.interleaved.rawCpuMs / corpus.interleaved.pipelineCpuMs;
}

/** Floating-point operations per token of a BERT encoder, from its config. */
export function flopsPerToken(
  model: ModelFacts,
  sequenceLength: number,
): { matmul: number; attention: number } {
  const { hiddenSize: h, intermediateSize: i, layers } = model;
  // Per layer: Q, K, V and output projections (4·h²) and the feed-forward (2·h·i) multiply-adds per
  // token; scores and weighted sum over the sequence (2·L·h). Two FLOPs per multiply-add. The
  // embedding table is a lookup and costs nothing.
  return {
    matmul: 2 * layers * (4 * h * h + 2 * h * i),
    attention: 2 * layers * 2 * sequenceLength * h,
  };
}

/** Non-embedding parameters (weights the matrix multiplications read). */
export function encoderParameters(model: ModelFacts): number {
  const { hiddenSize: h, intermediateSize: i, layers } = model;
  return layers * (4 * h * h + 2 * h * i);
}

/** Theoretical fp32 peak: cores × clock × FLOPs per cycle (two 256-bit FMA pipes with AVX2+FMA). */
export function fp32Peak(
  results: Results,
): { gflops: number; assumption: string; int8Factor: number; int8Instruction: string } | undefined {
  const machine = results.ingest?.meta.machine;
  if (!machine?.cpuMHz) return undefined;
  const simd = machine.simd;
  // AMD cores that report AVX-512 (Zen 4) execute it on 256-bit units: no more FLOPs per cycle than AVX2.
  const wideAvx512 = simd.includes('avx512f') && !/AMD/i.test(machine.cpuModel);
  const perCycle = wideAvx512 ? 64 : simd.includes('avx2') && simd.includes('fma') ? 32 : 16;
  const assumption =
    perCycle === 64
      ? '2 AVX-512 FMA pipes × 16 lanes × 2'
      : perCycle === 32
        ? `2 FMA pipes × 8 fp32 lanes × 2${simd.includes('avx512f') ? '; AVX-512 on AMD runs on 256-bit units' : ''}`
        : '4-wide SSE, 2 pipes × 2';
  const vnni = simd.includes('avx512_vnni') || simd.includes('avx_vnni');
  return {
    gflops: (machine.cores * machine.cpuMHz * 1e6 * perCycle) / 1e9,
    // An 8-bit dot-product instruction does 4 multiply-adds per 32-bit lane (VNNI); without VNNI, AVX2's
    // pmaddubsw/pmaddwd pair does about 2.
    int8Factor: vnni ? 4 : 2,
    int8Instruction: vnni ? 'VNNI' : 'AVX2 pmaddubsw',
    assumption: `${machine.cores} vCPUs × ${(machine.cpuMHz / 1000).toFixed(2)} GHz × ${perCycle} FLOP/cycle (${assumption})`,
  };
}
