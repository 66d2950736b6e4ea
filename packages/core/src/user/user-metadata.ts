import { AuthError } from '../errors/auth-error.js';
import type { MetadataObject } from './user-record.js';

/** How deep objects and arrays may nest inside metadata: enough for settings, not for a document store. */
export const METADATA_MAX_DEPTH = 8;

/**
 * Checks metadata a client sent: a plain JSON object (not an array, not
 * `null`) of strings, finite numbers, booleans, `null`, arrays and objects
 * nested at most {@link METADATA_MAX_DEPTH} deep, whose compact JSON is at
 * most `maxBytes` UTF-8 bytes. Throws `ERR_INVALID_METADATA` or
 * `ERR_METADATA_TOO_LARGE`; answers a copy that shares nothing with the input.
 *
 * @example
 * const userMetadata = acceptMetadata(body.userMetadata, 4096);
 */
export function acceptMetadata(value: unknown, maxBytes: number): MetadataObject {
  if (!isPlainObject(value)) {
    throw new AuthError('ERR_INVALID_METADATA', { reason: 'not-an-object', message: 'Metadata must be a JSON object' });
  }
  checkValue(value, 0);
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json, 'utf8') > maxBytes) {
    throw new AuthError('ERR_METADATA_TOO_LARGE', { message: `Metadata is limited to ${maxBytes} bytes of JSON` });
  }
  return JSON.parse(json) as MetadataObject;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkValue(value: unknown, depth: number): void {
  if (depth > METADATA_MAX_DEPTH) {
    throw new AuthError('ERR_INVALID_METADATA', {
      reason: 'too-deep',
      message: `Metadata may nest at most ${METADATA_MAX_DEPTH} levels deep`,
    });
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
  } else if (Array.isArray(value)) {
    for (const item of value) checkValue(item, depth + 1);
    return;
  } else if (isPlainObject(value)) {
    for (const item of Object.values(value)) checkValue(item, depth + 1);
    return;
  }
  throw new AuthError('ERR_INVALID_METADATA', { reason: 'not-json', message: 'Metadata holds plain JSON values only' });
}
