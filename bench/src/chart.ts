/** One bar of the chart. */
export interface ChartBar {
  readonly label: string;
  /** Share of the ceiling, 1 = 100 %. */
  readonly value: number;
  /** Drawn in the accent colour (jwtgate's own cases). */
  readonly accent: boolean;
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A horizontal bar chart as standalone SVG text: one bar per case, its
 * share of the ceiling, with gridlines every 25 % and a dashed line at
 * `target`. Written by hand so the benchmarks need no charting dependency.
 *
 * @example
 * writeFileSync('bench/http-ratios.svg', renderBarChart('Share of bare Fastify', bars, 0.9));
 */
export function renderBarChart(title: string, bars: readonly ChartBar[], target?: number): string {
  const labelWidth = 190;
  const plotWidth = 420;
  const rowHeight = 24;
  const top = 40;
  const scaleMax = Math.max(1, ...bars.map((bar) => bar.value));
  const x = (value: number) => labelWidth + (value / scaleMax) * plotWidth;
  const height = top + bars.length * rowHeight + 30;
  const width = labelWidth + plotWidth + 70;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    // The title is the chart's text alternative for screen readers.
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(title)}</text>`,
  ];
  for (let tick = 0; tick <= scaleMax + 1e-9; tick += 0.25) {
    const tx = x(tick).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${top + bars.length * rowHeight}" stroke="#e3e3e3"/>`,
      `<text x="${tx}" y="${top + bars.length * rowHeight + 16}" text-anchor="middle" fill="#555">${Math.round(tick * 100)} %</text>`,
    );
  }
  bars.forEach((bar, index) => {
    const y = top + index * rowHeight;
    const end = x(Math.max(0, bar.value));
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 4}" width="${(end - labelWidth).toFixed(1)}" height="${rowHeight - 8}" fill="${bar.accent ? '#2b6cb0' : '#a0aec0'}"/>`,
      `<text x="${(end + 4).toFixed(1)}" y="${y + 16}" fill="#222">${Math.round(bar.value * 100)} %</text>`,
    );
  });
  if (target !== undefined) {
    const tx = x(target).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${top + bars.length * rowHeight}" stroke="#c53030" stroke-dasharray="4 3"/>`,
      `<text x="${tx}" y="${top - 10}" text-anchor="middle" fill="#c53030">target ${Math.round(target * 100)} %</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
