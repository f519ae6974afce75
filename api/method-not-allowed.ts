// A path the API has, asked with a method it does not take, is answered 405
// with an Allow header (RFC 9110 §15.5.6) instead of 404. Routes are collected
// as they are added into a second router (find-my-way, the one Fastify itself
// uses), which then matches a concrete URL against them. Wildcard routes (the
// dashboard's static files) are left out: they would claim every path.
import type { FastifyInstance } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';

export type AllowedMethods = (path: string) => string[];

/** Call before any route is added; the returned function lists the methods a path answers. */
export function trackAllowedMethods(app: FastifyInstance): AllowedMethods {
  const router = FindMyWay();
  const methods = new Set<HTTPMethod>();
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    for (const method of [route.method].flat() as HTTPMethod[]) {
      if (router.hasRoute(method, route.url)) continue;
      router.on(method, route.url, () => {});
      methods.add(method);
    }
  });
  return (path) => [...methods].filter((method) => router.find(method, path) !== null).sort();
}
