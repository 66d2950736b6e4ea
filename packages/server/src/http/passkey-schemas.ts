/**
 * JSON schemas of the WebAuthn shapes the passkey routes take and give: the
 * JSON forms of `PublicKeyCredential` (`toJSON()` in browsers, the client
 * SDK's encoding elsewhere) and of the creation and request options. Sizes
 * are bounded here, before anything is decoded.
 */

const base64url = (maxLength: number, description?: string) =>
  ({
    type: 'string',
    pattern: '^[A-Za-z0-9_-]*$',
    maxLength,
    ...(description === undefined ? {} : { description }),
  }) as const;

/** At most 255 bytes of credential id (342 characters), which is what jwtgate keeps. */
const credentialId = base64url(342, 'The credential id, base64url.');

/** A `PublicKeyCredential` as JSON, whose `response` has these fields. */
function credentialSchema<R extends Record<string, unknown>>(title: string, call: string, response: R) {
  return {
    title,
    type: 'object',
    required: ['id', 'rawId', 'type', 'response', 'clientExtensionResults'],
    description: `What \`navigator.credentials.${call}()\` answered, as \`PublicKeyCredential.toJSON()\` writes it.`,
    properties: {
      id: credentialId,
      rawId: credentialId,
      type: { type: 'string', enum: ['public-key'] },
      authenticatorAttachment: { type: 'string', maxLength: 32 },
      clientExtensionResults: { type: 'object', additionalProperties: true },
      response: {
        type: 'object',
        required: Object.keys(response).filter((name) => name !== 'transports' && name !== 'userHandle'),
        additionalProperties: true,
        properties: response,
      },
    },
  } as const;
}

/** The answer of `navigator.credentials.create()`, as JSON. */
export const registrationCredentialSchema = credentialSchema('PasskeyRegistrationCredential', 'create', {
  clientDataJSON: base64url(4096),
  attestationObject: base64url(16_384),
  transports: { type: 'array', maxItems: 8, items: { type: 'string', maxLength: 32 } },
});

/** The answer of `navigator.credentials.get()`, as JSON. */
export const assertionCredentialSchema = credentialSchema('PasskeyAssertionCredential', 'get', {
  clientDataJSON: base64url(4096),
  authenticatorData: base64url(4096),
  signature: base64url(1024),
  userHandle: base64url(128),
});

const credentialDescriptor = {
  type: 'object',
  required: ['id', 'type'],
  properties: {
    id: credentialId,
    type: { type: 'string', enum: ['public-key'] },
    transports: { type: 'array', items: { type: 'string' } },
  },
} as const;

const challengeField = base64url(64, 'Single-use, valid for 5 minutes.');

/** WebAuthn `PublicKeyCredentialCreationOptionsJSON`, as `@simplewebauthn/server` makes it. */
export const creationOptionsSchema = {
  title: 'PasskeyCreationOptions',
  type: 'object',
  required: ['challenge', 'rp', 'user', 'pubKeyCredParams'],
  description:
    'Give it to `navigator.credentials.create()` (through `PublicKeyCredential.parseCreationOptionsFromJSON`).',
  properties: {
    challenge: challengeField,
    rp: { type: 'object', required: ['name'], properties: { id: { type: 'string' }, name: { type: 'string' } } },
    user: {
      type: 'object',
      required: ['id', 'name', 'displayName'],
      properties: {
        id: { type: 'string', description: 'The user handle: the user id, base64url; no name or address.' },
        name: { type: 'string' },
        displayName: { type: 'string' },
      },
    },
    pubKeyCredParams: {
      type: 'array',
      items: { type: 'object', properties: { alg: { type: 'integer' }, type: { type: 'string' } } },
    },
    timeout: { type: 'integer' },
    excludeCredentials: { type: 'array', items: credentialDescriptor },
    authenticatorSelection: {
      type: 'object',
      properties: {
        authenticatorAttachment: { type: 'string' },
        residentKey: { type: 'string' },
        requireResidentKey: { type: 'boolean' },
        userVerification: { type: 'string' },
      },
    },
    hints: { type: 'array', items: { type: 'string' } },
    attestation: { type: 'string' },
    extensions: { type: 'object', properties: { credProps: { type: 'boolean' } } },
  },
} as const;

/** WebAuthn `PublicKeyCredentialRequestOptionsJSON`, as `@simplewebauthn/server` makes it. */
export const requestOptionsSchema = {
  title: 'PasskeyRequestOptions',
  type: 'object',
  required: ['challenge'],
  description: 'Give it to `navigator.credentials.get()` (through `PublicKeyCredential.parseRequestOptionsFromJSON`).',
  properties: {
    challenge: challengeField,
    timeout: { type: 'integer' },
    rpId: { type: 'string' },
    allowCredentials: { type: 'array', items: credentialDescriptor },
    userVerification: { type: 'string' },
    hints: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** A passkey as its owner sees it: no key material. */
export const passkeySchema = {
  title: 'Passkey',
  type: 'object',
  required: ['id', 'name', 'deviceType', 'backedUp', 'transports', 'createdAt', 'lastUsedAt'],
  properties: {
    id: credentialId,
    name: { type: 'string' },
    deviceType: {
      type: 'string',
      enum: ['singleDevice', 'multiDevice'],
      description: '`multiDevice`: a synced passkey (backup eligible); `singleDevice`: bound to one authenticator.',
    },
    backedUp: {
      type: 'boolean',
      description: 'Whether the authenticator said, at its latest use, that it is backed up.',
    },
    transports: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string', format: 'date-time' },
    lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

/** A passkey's name: what its owner calls it. */
export const passkeyNameField = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[^\\x00-\\x1f\\x7f]*$',
  description: 'What to call the passkey (1-64 characters, no control characters).',
} as const;
