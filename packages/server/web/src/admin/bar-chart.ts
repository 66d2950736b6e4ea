const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string | number>>,
  text?: string,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** One group of bars: a label under it and a value per series. */
export interface BarGroup {
  readonly label: string;
  readonly values: readonly number[];
}

const WIDTH = 720;
const HEIGHT = 200;
const BOTTOM = 20;
const LEFT = 32;

/**
 * A grouped bar chart drawn as inline SVG (no library, nothing fetched): a
 * group per label, a bar per series side by side, class `bar-<series>` for
 * the colours, a tooltip (`<title>`) on each bar, and a text summary for
 * screen readers in `summary`.
 *
 * @example
 * barChart([{ label: '09', values: [3, 1] }], ['logins', 'failures'], 'Logins per hour');
 */
export function barChart(groups: readonly BarGroup[], series: readonly string[], summary: string): SVGSVGElement {
  const chart = svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': summary,
  });
  const max = Math.max(1, ...groups.flatMap((group) => group.values));
  const plotHeight = HEIGHT - BOTTOM - 8;
  const groupWidth = (WIDTH - LEFT) / Math.max(1, groups.length);
  const barWidth = Math.max(1, (groupWidth - 4) / Math.max(1, series.length));
  chart.append(
    svg('line', { class: 'axis', x1: LEFT, y1: HEIGHT - BOTTOM, x2: WIDTH, y2: HEIGHT - BOTTOM }),
    svg('text', { x: LEFT - 4, y: 12, 'text-anchor': 'end' }, String(max)),
    svg('text', { x: LEFT - 4, y: HEIGHT - BOTTOM, 'text-anchor': 'end' }, '0'),
  );
  groups.forEach((group, index) => {
    const x = LEFT + index * groupWidth + 2;
    group.values.forEach((value, which) => {
      const height = (value / max) * plotHeight;
      const bar = svg('rect', {
        class: `bar-${series[which] ?? which}`,
        x: x + which * barWidth,
        y: HEIGHT - BOTTOM - height,
        width: barWidth - 1,
        height,
      });
      bar.append(svg('title', {}, `${group.label}: ${value} ${series[which] ?? ''}`));
      chart.append(bar);
    });
    // Every third label, so that 24 hours stay readable on a narrow screen.
    if (index % 3 === 0) {
      chart.append(svg('text', { x: x + groupWidth / 2, y: HEIGHT - 6, 'text-anchor': 'middle' }, group.label));
    }
  });
  return chart;
}
