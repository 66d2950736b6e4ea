/** `['Auth', 'AccessSecret']` → `JWTGATE_AUTH_ACCESS_SECRET`. */
export function envNameFor(path: readonly string[]): string {
  return `JWTGATE_${path.map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

/** Environment variables that are not settings but are still ours. */
export const reservedEnvNames: ReadonlySet<string> = new Set(['JWTGATE_CONFIG']);
