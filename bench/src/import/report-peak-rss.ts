import { writeFileSync } from 'node:fs';

// Loaded with `node --import` into the `jwtgate user import` process under
// measurement: at exit it writes the process's peak resident memory (getrusage's
// ru_maxrss, in KiB) to the file the benchmark names, and nothing else.
const file = process.env.BENCH_PEAK_RSS_FILE;
if (file !== undefined) {
  process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
}
