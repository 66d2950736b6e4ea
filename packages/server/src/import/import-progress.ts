/** Reports an import's progress on a stream: a bar redrawn in place on a terminal, plain lines otherwise. */
export interface ImportProgress {
  /** Called after each batch; draws at most a few times a second. */
  update(rows: number, fraction: number | undefined): void;
  finish(rows: number): void;
}

const BAR = 30;
const TTY_EVERY_MS = 200;
const LINE_EVERY_MS = 10_000;

/**
 * On a terminal, one line redrawn in place (`[######……]  42%  420,000 rows  35,000 rows/s`);
 * elsewhere (a log, CI), a plain line every 10 seconds and at the end.
 *
 * @example
 * const progress = createImportProgress(process.stderr, () => Date.now());
 */
export function createImportProgress(
  out: { write(text: string): unknown; readonly isTTY?: boolean },
  now: () => number,
): ImportProgress {
  const started = now();
  let drawn = 0;
  const tty = out.isTTY === true;
  const describe = (rows: number, fraction: number | undefined) => {
    const seconds = Math.max(0.001, (now() - started) / 1000);
    const rate = Math.round(rows / seconds).toLocaleString('en');
    const percent = fraction === undefined ? '' : `${Math.floor(Math.min(1, fraction) * 100)}%  `;
    return `${percent}${rows.toLocaleString('en')} rows  ${rate} rows/s`;
  };
  return {
    update(rows, fraction) {
      const t = now();
      if (t - drawn < (tty ? TTY_EVERY_MS : LINE_EVERY_MS)) return;
      drawn = t;
      if (tty) {
        const filled = fraction === undefined ? 0 : Math.round(Math.min(1, fraction) * BAR);
        out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${describe(rows, fraction)}\u001b[K`);
      } else {
        out.write(`import: ${describe(rows, fraction)}\n`);
      }
    },
    finish(rows) {
      if (tty) out.write(`\r[${'#'.repeat(BAR)}] ${describe(rows, 1)}\u001b[K\n`);
      else out.write(`import: ${describe(rows, 1)}, done\n`);
    },
  };
}
