import { isParentMessage } from '../support/child-messages.js';
import { profileFromArgv, sendToParent } from '../support/report-to-parent.js';
import { serveAsChild } from '../support/serve-as-child.js';
import { type ServerKind, serverKinds, startServer } from './servers.js';

// One server under load per process: `server-main.js <profile> <kind>`. It
// stops on SIGTERM, or when the parent (the load generator) goes away.
const kind = process.argv[3];
const profile = profileFromArgv();

function isServerKind(value: string | undefined): value is ServerKind {
  return serverKinds.includes(value as ServerKind);
}

serveAsChild(
  () => {
    if (!isServerKind(kind)) throw new Error(`unknown server kind ${kind}; expected one of ${serverKinds.join(', ')}`);
    return startServer(kind, profile);
  },
  (stop) => {
    // The parent reads the CPU time around each slice of load: unlike requests/s,
    // CPU per request hardly depends on how much of the machine the server got.
    process.on('message', (message: unknown) => {
      if (!isParentMessage(message)) return;
      const usage = process.cpuUsage();
      sendToParent({ type: 'cpu-usage', micros: usage.user + usage.system }).catch(stop);
    });
  },
);
