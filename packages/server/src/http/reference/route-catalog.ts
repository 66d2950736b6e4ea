import type { HTTPMethods, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';

/** One route of the app, as it was declared. */
export interface CatalogRoute {
  /** Upper case, one or several. */
  readonly methods: readonly HTTPMethods[];
  /** Fastify's form: `/auth/sessions/:id`, `/assets/*`. */
  readonly url: string;
  /**
   * The options every `onRoute` hook saw and may have changed (the guard adds
   * its hook there); read when the reference is built, after they all ran.
   */
  readonly options: RouteOptions;
  /** A HEAD route Fastify added by itself for a GET route (`exposeHeadRoutes`). */
  readonly implicitHead: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the app in the order declared; complete once the app is ready. */
    readonly routeCatalog: readonly CatalogRoute[];
  }
}

/**
 * Collects every route of the app through the `onRoute` hook, so the API
 * reference is built from the routes that are really there, with their
 * schemas, and cannot list one that is not. Register before any route.
 *
 * @example
 * await app.register(routeCatalogPlugin);
 * // ...routes...
 * await app.ready();
 * app.routeCatalog.map((route) => `${route.methods.join(',')} ${route.url}`);
 */
export const routeCatalogPlugin = fp(
  async (app) => {
    const routes: CatalogRoute[] = [];
    app.decorate('routeCatalog', routes);
    app.addHook('onRoute', (options) => {
      const methods = (Array.isArray(options.method) ? options.method : [options.method]) as HTTPMethods[];
      // Fastify declares the HEAD twin of a GET route right after it, with the same handler.
      const implicitHead =
        methods.length === 1 &&
        methods[0] === 'HEAD' &&
        routes.some(
          (route) =>
            route.url === options.url && route.methods.includes('GET') && route.options.handler === options.handler,
        );
      routes.push({ methods, url: options.url, options, implicitHead });
    });
  },
  { name: 'jwtgate-route-catalog' },
);
