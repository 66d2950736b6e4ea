import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from `bench/dist/support/`). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The compiled benchmarks, one entry script per benchmark process. */
export const benchDist = fileURLToPath(new URL('../', import.meta.url));

/** Where `npm run bench` writes its table. */
export const defaultResultsPath = fileURLToPath(new URL('../../results.md', import.meta.url));
