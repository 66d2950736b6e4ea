export { type FastifyAuthOptions, jwtgateAuth } from './plugin.js';
