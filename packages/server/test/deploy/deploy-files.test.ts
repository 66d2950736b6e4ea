import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTestConfig } from '../support/test-server.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

/** The variables of an env file, as `docker compose` reads it. */
function envFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match !== null) env[match[1] as string] = match[2] as string;
  }
  return env;
}

describe('the deployment files', () => {
  it('ship no secret a production server would start with', () => {
    const example = envFile(read('deploy/example.env'));
    expect(Object.keys(example)).toEqual(
      expect.arrayContaining(['JWTGATE_AUTH_ACCESS_SECRET', 'JWTGATE_AUTH_REFRESH_SECRET']),
    );
    const env = {
      NODE_ENV: 'production',
      JWTGATE_AUTH_ACCESS_SECRET: example.JWTGATE_AUTH_ACCESS_SECRET ?? '',
      JWTGATE_AUTH_REFRESH_SECRET: example.JWTGATE_AUTH_REFRESH_SECRET ?? '',
    };
    expect(() => loadTestConfig(env)).toThrow(/Auth\.AccessSecret: required in production/);
    expect(() => loadTestConfig(env)).toThrow(/Auth\.RefreshSecret: required in production/);
    // compose.yaml refuses to start (`${VAR:?…}`) on every value left empty.
    for (const [name, value] of Object.entries(example)) expect(value, name).toBe('');
  });

  it('let nginx, the edge, tell jwtgate the client address it saw rather than pass on what the client claims', () => {
    // compose.yaml trusts every private range as a proxy. Were nginx to append to the client's own
    // X-Forwarded-For ($proxy_add_x_forwarded_for), a client on a private network could put any
    // address before its own and choose the address its failed logins are counted under.
    const nginx = read('deploy/nginx.conf');
    expect(read('compose.yaml')).toMatch(/JWTGATE_SERVER_TRUST_PROXY: 10\.0\.0\.0\/8/);
    const forwardedFor = nginx.match(/^\s*proxy_set_header X-Forwarded-For .*$/gm) ?? [];
    expect(forwardedFor.map((line) => line.trim())).toEqual(['proxy_set_header X-Forwarded-For $remote_addr;']);
    expect(nginx).toMatch(/^\s*proxy_set_header X-Forwarded-Host \$host;$/m);
  });
});
