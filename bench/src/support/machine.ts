import { readFileSync } from 'node:fs';
import { arch, cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** Where and with what a run happened, for the head of the results. */
export interface MachineDescription {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly v8: string;
  /** 1, 5 and 15 minute load averages when the run started: the machine is shared. */
  readonly loadAverage: readonly number[];
  /** Installed versions of the compared libraries and tools. */
  readonly libraries: Readonly<Record<string, string>>;
}

/** The libraries whose versions the results name. */
const LIBRARIES = [
  'jose',
  'fast-jwt',
  'jsonwebtoken',
  '@fastify/jwt',
  'fastify',
  'express',
  'express-jwt',
  'ioredis',
  'autocannon',
  'better-sqlite3',
];

function installedVersion(name: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'not installed';
  }
}

/**
 * Describes this machine and the installed libraries.
 *
 * @example
 * describeMachine().cores; // 2
 */
export function describeMachine(): MachineDescription {
  const processors = cpus();
  return {
    cpu: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGiB: totalmem() / 2 ** 30,
    os: `${type()} ${release()} (${arch()})`,
    node: process.version,
    v8: process.versions.v8,
    loadAverage: loadavg(),
    libraries: Object.fromEntries(LIBRARIES.map((name) => [name, installedVersion(name)])),
  };
}
