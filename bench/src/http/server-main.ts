import { profileFromArgv } from '../support/report-to-parent.js';
import { answerCpuUsage, serveAsChild } from '../support/serve-as-child.js';
import { type ServerKind, serverKinds, startServer } from './servers.js';

// One server under load per process: `server-main.js <profile> <kind>`. It
// stops on SIGTERM, or when the parent (the load generator) goes away.
const kind = process.argv[3];
const profile = profileFromArgv();

function isServerKind(value: string | undefined): value is ServerKind {
  return serverKinds.includes(value as ServerKind);
}

serveAsChild(() => {
  if (!isServerKind(kind)) throw new Error(`unknown server kind ${kind}; expected one of ${serverKinds.join(', ')}`);
  return startServer(kind, profile);
}, answerCpuUsage);
