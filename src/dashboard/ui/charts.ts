// The task view's charts, drawn by uPlot (a few tens of kB, made for long time series): bytes copied against the
// total, the speed against the limits in force, the host's and the agent's CPU, memory and disk figures. Every chart
// shares the time axis and the cursor. The server buckets long ranges, so a chart never holds more than a few
// thousand points whatever the number of samples; dragging over a chart asks for that range in detail.
import uPlot from 'uplot';
import type { Series } from '../model.js';
import { h } from './dom.js';
import { bytes, percent, speed, time } from './format.js';
import { decimal, withGaps } from './shapes.js';

interface Line {
  readonly label: string;
  readonly column: keyof Series;
  readonly stroke: string;
  readonly dash?: number[];
  readonly fill?: string;
  readonly stepped?: boolean;
}

interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly unit: (value: number) => string;
  readonly lines: readonly Line[];
  /** The scale starts at 0 (bytes, speeds); else it fits the data. */
  readonly fromZero: boolean;
  /** A tick's label, given the step between ticks (so 0.25 and 0.75 stay apart). */
  readonly tick: (value: number, step: number) => string;
  /** The steps ticks may be apart (uPlot's incrs); its decimal ones when omitted. */
  readonly steps?: readonly number[];
}

/** Binary sizes tick at powers of two: 64 GiB, 128 GiB, not 46.6 GiB. */
const BYTE_STEPS = Array.from({ length: 63 }, (_, power) => 2 ** power);

function plain(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
}

const two = (n: number): string => String(n).padStart(2, '0');

/** The time axis in UTC, 24-hour: the date under the first label and wherever the day changes. */
function timeLabels(_u: uPlot, splits: number[], _axis: number, _space: number, increment: number): string[] {
  let day = '';
  return splits.map((ms) => {
    const at = new Date(ms);
    const date = `${at.getUTCFullYear()}-${two(at.getUTCMonth() + 1)}-${two(at.getUTCDate())}`;
    const clock =
      increment < 60_000
        ? `${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())}`
        : `${two(at.getUTCHours())}:${two(at.getUTCMinutes())}`;
    const shown = increment >= 86_400_000 ? date : date !== day ? `${clock}\n${date}` : clock;
    day = date;
    return shown;
  });
}

const SPECS: readonly ChartSpec[] = [
  {
    id: 'bytes',
    title: 'Data copied',
    unit: (value) => bytes(value),
    fromZero: true,
    tick: (value) => bytes(value),
    steps: BYTE_STEPS,
    lines: [
      { label: 'Replicated', column: 'replicated', stroke: '#1d4ed8', fill: 'rgba(29, 78, 216, 0.12)' },
      { label: 'Total', column: 'total', stroke: '#6b7280', dash: [6, 4] },
    ],
  },
  {
    id: 'speed',
    title: 'Migration speed',
    unit: (value) => speed(value),
    fromZero: true,
    tick: decimal('\u00a0Mbit/s'),
    lines: [
      // Limits are not kept as they change: the line is today's task limit and time-of-day rules over the whole range.
      // Drawn first, so a speed held at the limit shows on top of it.
      { label: 'Limit (as set now)', column: 'limit', stroke: '#b91c1c', dash: [8, 4], stepped: true },
      { label: 'Peak', column: 'speed_max', stroke: '#86efac' },
      { label: 'Speed', column: 'speed', stroke: '#047857' },
    ],
  },
  {
    id: 'cpu',
    title: 'CPU',
    unit: (value) => percent(value),
    fromZero: true,
    tick: decimal('\u00a0%'),
    lines: [
      { label: 'Host CPU', column: 'cpu', stroke: '#7c3aed' },
      { label: 'Agent CPU', column: 'agent_cpu', stroke: '#a78bfa', dash: [4, 3] },
    ],
  },
  // The API gives no unit for memory and disk figures: they are plotted as reported (the simulated agent reports
  // memory in MB and disk I/O in Mbit/s).
  {
    id: 'memory',
    title: 'Memory (as reported)',
    unit: plain,
    fromZero: true,
    tick: decimal(''),
    lines: [
      { label: 'Host memory', column: 'mem', stroke: '#c2410c' },
      { label: 'Agent memory', column: 'agent_mem', stroke: '#fb923c', dash: [4, 3] },
    ],
  },
  {
    id: 'disk',
    title: 'Disk I/O (as reported)',
    unit: plain,
    fromZero: true,
    tick: decimal(''),
    lines: [
      { label: 'Host disk', column: 'disk', stroke: '#0e7490' },
      { label: 'Agent disk', column: 'agent_disk', stroke: '#67e8f9', dash: [4, 3] },
    ],
  },
];

export interface Charts {
  readonly element: HTMLElement;
  update(series: Series): void;
  dispose(): void;
}

const utc = (ms: number): Date => uPlot.tzDate(new Date(ms), 'Etc/UTC');

/** Charts for one task; `onRange` is called with the time range dragged over (ms), to read it in detail. */
export function createCharts(onRange: (from: number, to: number) => void): Charts {
  const plots: uPlot[] = [];
  const captions = new Map<string, HTMLElement>();
  const figures = new Map<string, HTMLElement>();
  const element = h('div', { class: 'charts' });
  const sync = uPlot.sync('task');

  for (const spec of SPECS) {
    const holder = h('div', { class: 'plot' });
    const caption = h('figcaption', {}, spec.title);
    const figure = h(
      'figure',
      { class: 'chart', id: `chart-${spec.id}`, role: 'group', 'aria-label': spec.title },
      caption,
      holder,
    );
    captions.set(spec.id, caption);
    figures.set(spec.id, figure);
    element.append(figure);
    const options: uPlot.Options = {
      width: 600,
      height: 200,
      ms: 1,
      tzDate: utc,
      cursor: { sync: { key: sync.key }, drag: { x: true, y: false, setScale: false } },
      legend: { live: true },
      scales: {
        x: { time: true },
        y: spec.fromZero ? { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] } : {},
      },
      axes: [
        { stroke: '#374151', grid: { stroke: '#e5e7eb' }, values: timeLabels, size: 56 },
        {
          stroke: '#374151',
          grid: { stroke: '#e5e7eb' },
          size: 80,
          values: (_u, values, _axis, _space, step) => values.map((value) => spec.tick(value, step)),
          ...(spec.steps ? { incrs: [...spec.steps] } : {}),
        },
      ],
      series: [
        { label: 'Time (UTC)', value: (_u, value) => (value === null ? '–' : time(value)) },
        ...spec.lines.map((line) => ({
          label: line.label,
          stroke: line.stroke,
          width: 2,
          ...(line.dash ? { dash: line.dash } : {}),
          ...(line.fill ? { fill: line.fill } : {}),
          ...(line.stepped ? { paths: uPlot.paths.stepped?.({ align: 1 }) } : {}),
          spanGaps: false,
          points: { show: false },
          value: (_u: uPlot, value: number | null) => (value === null ? '–' : spec.unit(value)),
        })),
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 5) return;
            const from = Math.floor(u.posToVal(u.select.left, 'x'));
            const to = Math.ceil(u.posToVal(u.select.left + u.select.width, 'x'));
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            onRange(from, to);
          },
        ],
      },
    };
    const plot = new uPlot(options, [[], ...spec.lines.map(() => [])], holder);
    plots.push(plot);
  }

  // The charts follow the page's width.
  const resize = new ResizeObserver(() => {
    for (const plot of plots) {
      const width = plot.root.parentElement?.clientWidth ?? 600;
      if (width > 0 && Math.abs(width - plot.width) > 2) plot.setSize({ width, height: 200 });
    }
  });
  resize.observe(element);

  return {
    element,
    update(series) {
      SPECS.forEach((spec, index) => {
        const columns = spec.lines.map((line) => series[line.column] as (number | null)[]);
        const plot = plots[index] as uPlot;
        const drawn = withGaps(series, columns);
        plot.setData([drawn.t, ...drawn.columns] as uPlot.AlignedData);
        // A bucket's peak differs from its average only when points stand for several samples.
        spec.lines.forEach((line, lineIndex) => {
          if (line.column === 'speed_max' && plot.series[lineIndex + 1]?.show !== series.bucket_ms > 0) {
            plot.setSeries(lineIndex + 1, { show: series.bucket_ms > 0 });
          }
        });
        const filled = columns.map((column) => column.filter((value) => value !== null).length);
        const figure = figures.get(spec.id) as HTMLElement;
        figure.dataset.points = String(series.t.length);
        figure.dataset.samples = String(series.samples);
        figure.dataset.filled = filled.join(',');
        const last = series.t.length - 1;
        const latest = spec.lines
          .map((line, lineIndex) => {
            const value = columns[lineIndex]?.[last];
            return value === null || value === undefined ? null : `${line.label} ${spec.unit(value)}`;
          })
          .filter((text) => text !== null)
          .join(', ');
        const detail =
          series.t.length === 0
            ? 'no samples yet'
            : series.bucket_ms > 0
              ? `${series.t.length} points from ${series.samples} samples`
              : `${series.samples} samples`;
        (captions.get(spec.id) as HTMLElement).textContent =
          `${spec.title}: ${detail}${latest ? ` (latest: ${latest})` : ''}`;
      });
    },
    dispose() {
      resize.disconnect();
      for (const plot of plots) plot.destroy();
    },
  };
}
