import { describe, expect, it } from 'vitest';
import { renderBarChart } from '../src/chart.js';

describe('renderBarChart', () => {
  const bars = [
    { label: 'Fastify, no auth', value: 1, accent: false },
    { label: 'jwtgate <guard> & co', value: 0.93, accent: true },
    { label: 'express-jwt', value: 0.12, accent: false },
  ];

  it('draws one bar per case, longest for the largest share, with its percentage', () => {
    const svg = renderBarChart('Share of bare Fastify', bars);
    const widths = [...svg.matchAll(/<rect x="\d+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(3);
    expect(widths[0]).toBeGreaterThan(widths[1] as number);
    expect(widths[1]).toBeGreaterThan(widths[2] as number);
    expect(svg).toContain('>93 %</text>');
    expect(svg).toContain('fill="#2b6cb0"');
  });

  it('escapes labels and title, so the file stays well-formed SVG', () => {
    const svg = renderBarChart('a < b & "c"', bars);
    expect(svg).toContain('jwtgate &lt;guard&gt; &amp; co');
    expect(svg).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(svg).not.toContain('<guard>');
  });

  it('marks the target with a dashed line, and stretches the scale past 100 % when a bar does', () => {
    const svg = renderBarChart('t', [...bars, { label: 'faster', value: 1.3, accent: true }], 0.9);
    expect(svg).toContain('target 90 %');
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('>125 %</text>');
  });
});
