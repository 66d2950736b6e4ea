import type {
  AccessTokenClaims as CoreClaims,
  ErrorCode as CoreErrorCode,
  PublicUser as CorePublicUser,
} from '@jwtgate/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { AccessTokenClaims, ErrorCode, PublicUser } from '../src/index.js';

// The SDK writes these types out so that its declarations need no other package;
// `npm run typecheck` fails here the moment they differ from the server's own:
// a code or field added in @jwtgate/core goes into packages/client/src/server-types.ts too.
describe("the SDK's copies of the server's types", () => {
  it('list the same error codes as @jwtgate/core', () => {
    expectTypeOf<ErrorCode>().toEqualTypeOf<CoreErrorCode>();
  });

  it('describe the same access-token claims and public user', () => {
    expectTypeOf<AccessTokenClaims>().toEqualTypeOf<CoreClaims>();
    expectTypeOf<PublicUser>().toEqualTypeOf<CorePublicUser>();
  });
});
