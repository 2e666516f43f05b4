import { defaultRow } from '../phases/scale.js';
import type { Results } from '../results.js';

interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: { x: number; y: number }[];
}

interface Panel {
  title: string;
  yLabel: string;
  logY: boolean;
  series: Series[];
}

const WIDTH = 460;
const HEIGHT = 300;
const MARGIN = { left: 58, right: 16, top: 34, bottom: 46 };
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/**
 * The scale chart, as plain SVG text (no native dependencies): recall@10 by ef and query latency at
 * the default ef, against the number of vectors. Undefined when there are no scale results.
 */
export function renderScaleChart(results: Results): string | undefined {
  const scale = results.scale;
  if (!scale) return undefined;
  const entries = Object.values(scale.sizes)
    .map((entry) => entry.output.output)
    .sort((a, b) => a.size - b.size);
  if (entries.length === 0) return undefined;
  const efs = [...new Set(entries.flatMap((entry) => entry.rows.map((row) => row.ef)))]
    .filter((ef) => entries.every((entry) => entry.rows.some((row) => row.ef === ef)))
    .sort((a, b) => a - b);
  const recall: Panel = {
    title: 'Recall@10 vs exact search',
    yLabel: 'recall@10',
    logY: false,
    series: efs.map((ef, index) => ({
      label: `ef ${ef}`,
      color: COLORS[index % COLORS.length]!,
      points: entries.flatMap((entry) => {
        const row = entry.rows.find((candidate) => candidate.ef === ef);
        return row ? [{ x: entry.size, y: row.recallAt10 }] : [];
      }),
    })),
  };
  const atDefault = (pick: (row: { p50: number; p95: number }) => number) =>
    entries.flatMap((entry) => {
      const row = defaultRow(entry, scale.defaultEf);
      return row ? [{ x: entry.size, y: pick(row.latency) }] : [];
    });
  const latency: Panel = {
    title: 'Query latency (ms, log scale), default ef',
    yLabel: 'ms per query',
    logY: true,
    series: [
      { label: 'HNSW p50', color: COLORS[0]!, points: atDefault((row) => row.p50) },
      { label: 'HNSW p95', color: COLORS[1]!, points: atDefault((row) => row.p95) },
      {
        label: 'exact search p50',
        color: '#777777',
        dashed: true,
        points: entries.map((entry) => ({ x: entry.size, y: entry.exact.p50 })),
      },
    ],
  };
  const panels = [recall, latency].map(
    (panel, index) => `<g transform="translate(${index * WIDTH},0)">${renderPanel(panel)}</g>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH * 2}" height="${HEIGHT}" viewBox="0 0 ${WIDTH * 2} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    '<rect width="100%" height="100%" fill="white"/>',
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}

function renderPanel(panel: Panel): string {
  const points = panel.series.flatMap((series) => series.points);
  const xs = points.map((point) => point.x);
  const ys = points.map((point) => point.y).filter((y) => !panel.logY || y > 0);
  const xMin = Math.log10(Math.min(...xs)) - 0.15;
  const xMax = Math.log10(Math.max(...xs)) + 0.15;
  let yMin: number;
  let yMax: number;
  if (panel.logY) {
    yMin = Math.floor(Math.log10(Math.min(...ys)));
    yMax = Math.ceil(Math.log10(Math.max(...ys)));
    if (yMax === yMin) yMax += 1;
  } else {
    yMin = Math.max(0, Math.floor(Math.min(...ys) * 20) / 20 - 0.05);
    yMax = 1;
  }
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((Math.log10(x) - xMin) / (xMax - xMin)) * plotWidth;
  const sy = (y: number) => {
    const value = panel.logY ? Math.log10(Math.max(y, 10 ** yMin)) : y;
    return MARGIN.top + (1 - (value - yMin) / (yMax - yMin)) * plotHeight;
  };
  const parts: string[] = [
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(panel.title)}</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#bbb"/>`,
  ];
  const yTicks = panel.logY
    ? Array.from({ length: yMax - yMin + 1 }, (_, index) => 10 ** (yMin + index))
    : Array.from({ length: 6 }, (_, index) => yMin + ((yMax - yMin) * index) / 5);
  for (const tick of yTicks) {
    const y = sy(tick);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#eee"/>`,
      `<text x="${MARGIN.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${formatTick(tick, panel.logY)}</text>`,
    );
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    parts.push(
      `<text x="${sx(x).toFixed(1)}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle">${x >= 1e6 ? `${x / 1e6}M` : `${x / 1e3}k`}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 8}" text-anchor="middle">vectors (384 dimensions, log scale)</text>`,
    `<text transform="translate(14,${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(panel.yLabel)}</text>`,
  );
  panel.series.forEach((series, index) => {
    const path = series.points
      .map((point) => `${sx(point.x).toFixed(1)},${sy(point.y).toFixed(1)}`)
      .join(' ');
    parts.push(
      `<polyline points="${path}" fill="none" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="5,4"' : ''}/>`,
      ...series.points.map(
        (point) =>
          `<circle cx="${sx(point.x).toFixed(1)}" cy="${sy(point.y).toFixed(1)}" r="3" fill="${series.color}"/>`,
      ),
    );
    const legendY = MARGIN.top + 14 + index * 14;
    parts.push(
      `<line x1="${MARGIN.left + 8}" x2="${MARGIN.left + 26}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="4,3"' : ''}/>`,
      `<text x="${MARGIN.left + 30}" y="${legendY}">${escapeXml(series.label)}</text>`,
    );
  });
  return parts.join('\n');
}

function formatTick(value: number, log: boolean): string {
  if (log) return value >= 1 ? String(value) : value.toPrecision(1);
  return value.toFixed(2);
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
