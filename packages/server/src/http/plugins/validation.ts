import { Ajv } from 'ajv';
import fp from 'fastify-plugin';

/**
 * Bodies are validated strictly: no type coercion (`"password": 12345678` is
 * a 400, not a string), no silent removal of unknown fields. Path and query
 * parameters arrive as text, so they alone are coerced.
 */
export const validationPlugin = fp(
  async (app) => {
    const strict = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false });
    const lenient = new Ajv({ coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: false });
    app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema));
  },
  { name: 'jwtgate-validation' },
);
