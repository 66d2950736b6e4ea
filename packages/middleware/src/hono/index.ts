export { type AuthEnv, type HonoAuthOptions, jwtgateAuth } from './middleware.js';
