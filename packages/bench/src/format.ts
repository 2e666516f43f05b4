/** Number formatting shared by the console output and the report. */
export const format = {
  rate: (value: number) => value.toFixed(value >= 100 ? 0 : 1),
  ratio: (value: number) => `${value.toFixed(2)}x`,
  pct: (value: number) => value.toFixed(3),
  ms: (value: number) => value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2),
  seconds: (ms: number) => (ms / 1000).toFixed(ms >= 100_000 ? 0 : 1),
  mb: (bytes: number) => (bytes / 2 ** 20).toFixed(0),
  mbps: (bytes: number, ms: number) => (bytes / 2 ** 20 / (ms / 1000)).toFixed(3),
  count: (value: number) => Math.round(value).toLocaleString('en-US'),
};
