// Bearer-token auth for the routes registered after it in the same scope. Each
// route states the least role it needs in its config (`config: { role }`);
// a route that states none needs admin, so forgetting it fails closed.
import fp from 'fastify-plugin';
import type { Role } from '../../lib/core/config/schema';
import { authenticate, roleAllows, type ApiToken, type Principal } from '../auth-tokens';
import { HttpError } from '../errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    role?: Role;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export default fp<{ tokens: ApiToken[] }>(
  async (app, { tokens }) => {
    app.decorateRequest('principal', undefined);
    app.addHook('onRequest', async (request, reply) => {
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) {
        reply.header('www-authenticate', 'Bearer realm="vigil"');
        throw new HttpError(401, 'unauthorized', header ? 'Authorization header must be "Bearer <token>"' : 'missing bearer token');
      }
      const principal = authenticate(tokens, match[1]);
      if (!principal) {
        reply.header('www-authenticate', 'Bearer realm="vigil", error="invalid_token"');
        throw new HttpError(401, 'unauthorized', 'unknown token');
      }
      const needed = request.routeOptions.config.role ?? 'admin';
      if (!roleAllows(principal.role, needed)) {
        throw new HttpError(403, 'forbidden', `this route needs the ${needed} role; token "${principal.name}" has ${principal.role}`);
      }
      request.principal = principal;
    });
  },
  { name: 'vigil-auth', fastify: '5.x' },
);
