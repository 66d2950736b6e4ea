import { profileFromArgv } from '../support/report-to-parent.js';
import { answerCpuUsage, serveAsChild } from '../support/serve-as-child.js';
import { startBetterAuthServer } from './better-auth-server.js';
import { startJwtgateLoginServer } from './jwtgate-login-server.js';

// One login server per process: `login/server-main.js <profile> <jwtgate|better-auth>`, so each
// hashes on its own libuv pool and its event loop serves no load generator. It stops on SIGTERM,
// or when the parent goes away.
const kind = process.argv[3];
const { peerUsers } = profileFromArgv().login;

serveAsChild(() => {
  if (kind === 'jwtgate') return startJwtgateLoginServer(peerUsers);
  if (kind === 'better-auth') return startBetterAuthServer(peerUsers);
  throw new Error(`unknown login server ${kind}; expected jwtgate or better-auth`);
}, answerCpuUsage);
