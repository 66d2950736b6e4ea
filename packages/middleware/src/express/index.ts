export { type ExpressAuthOptions, jwtgateAuth } from './middleware.js';
