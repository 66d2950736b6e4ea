import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import { nginxBinary } from '../../nginx/start-nginx.js';

export { type NginxProcess, startNginx } from '../../nginx/start-nginx.js';

let warned = false;

/**
 * `describe` when NGINX is installed, `describe.skip` with a message
 * otherwise; under CI a missing NGINX throws (`.ci/run` installs Debian's).
 *
 * @example
 * describeWithNginx()('NGINX in front of a service', () => { ... });
 */
export function describeWithNginx(): typeof describe | typeof describe.skip {
  if (existsSync(nginxBinary)) return describe;
  if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false') {
    throw new Error(`${nginxBinary} is missing: CI runs the NGINX tests (see .ci/run, which installs Debian's nginx)`);
  }
  if (!warned) {
    warned = true;
    console.warn(
      'Skipping the NGINX tests: install nginx (apt-get install nginx) or set JWTGATE_TEST_NGINX to its path.',
    );
  }
  return describe.skip;
}
