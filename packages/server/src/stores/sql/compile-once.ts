import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { JwtgateDatabase } from './schema.js';

/** A query whose SQL is made once per database, run again and again with new values. */
export type CompiledOnce<Args extends readonly unknown[], Row> = (...args: Args) => Promise<QueryResult<Row>>;

/**
 * Builds and compiles a query once, then runs it with each call's values:
 * Kysely builds and compiles a query's SQL again on every call, about 10 µs
 * for a lookup by id and 30 µs for the refresh's compare-and-swap, a fifth
 * of a refresh's CPU time. Only for the hottest queries of the store
 * contracts; the rest stay as they read best.
 *
 * `build` is called once with placeholder objects in place of the
 * arguments, and each must reach the query as a bound value (not as a column
 * name or an `is null`), and nothing else may be bound; both are checked at
 * the first call.
 *
 * @example
 * const byId = compileOnce(db, 1, (id) => db.selectFrom('jwtgate_users').selectAll().where('id', '=', id));
 * const { rows } = await byId('6f1c…');
 */
export function compileOnce<Args extends readonly unknown[], Row>(
  db: Kysely<JwtgateDatabase>,
  arity: Args['length'],
  build: (...args: Args) => Compilable<Row>,
): CompiledOnce<Args, Row> {
  let compiled: { query: CompiledQuery<Row>; slots: number[] } | undefined;
  function compile(): { query: CompiledQuery<Row>; slots: number[] } {
    const placeholders = Array.from({ length: arity }, () => ({}));
    const query = build(...(placeholders as unknown as Args)).compile();
    // Which argument each bound value is: every argument somewhere, or the query cannot be reused.
    const slots = query.parameters.map((value) => placeholders.indexOf(value as object));
    for (let arg = 0; arg < arity; arg += 1) {
      if (!slots.includes(arg)) throw new TypeError(`compileOnce: argument ${arg} is not bound in ${query.sql}`);
    }
    if (slots.includes(-1))
      throw new TypeError(`compileOnce: a value other than the arguments is bound in ${query.sql}`);
    return { query, slots };
  }
  return (...args) => {
    compiled ??= compile();
    const { query, slots } = compiled;
    return db.executeQuery<Row>({ ...query, parameters: slots.map((slot) => args[slot]) });
  };
}
