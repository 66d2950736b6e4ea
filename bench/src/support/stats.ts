/**
 * The `q` quantile (0 to 1) of `values`, interpolating between neighbours.
 *
 * @example
 * quantile([4, 1, 3, 2], 0.5); // 2.5
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] as number;
  const high = sorted[above] as number;
  return low + (high - low) * (position - below);
}

/**
 * The median of `values`: the statistic every table reports, since a loaded
 * shared machine adds outliers in one direction only.
 *
 * @example
 * median([3, 1, 100]); // 3
 */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}
