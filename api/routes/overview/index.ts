// GET /api/v1/overview (the dashboard's data in one answer) and GET
// /api/v1/events, the same overview as server-sent events: sent at once, then
// whenever it changes, with keepalive comments in between. Streams end when the
// client goes, when it stops reading, or when the API shuts down.
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ApiDeps } from '../../deps';
import { ErrorBody, HttpError } from '../../errors';
import { Overview } from '../../schemas/overview';
import { buildOverview } from '../../views/overview';
import { OverviewFeed } from './feed';

/** A client that has this much unsent is not reading: drop it rather than buffer without end. */
const MAX_UNSENT_BYTES = 1024 * 1024;

const overview: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { events } = deps.config.server;
  const feed = new OverviewFeed(() => buildOverview(deps), events.pollMs, deps.log);
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
    feed.close();
  });

  app.get(
    '/overview',
    {
      config: { role: 'read' },
      schema: {
        summary: 'Services, drift apps, the latest triages and remediation actions, in one answer (what the dashboard shows)',
        tags: ['system'],
        security: [{ bearer: [] }],
        response: { 200: Overview, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async () => buildOverview(deps),
  );

  app.get(
    '/events',
    {
      config: { role: 'read' },
      schema: {
        summary: 'Server-sent events: `overview` (the body of GET /overview) at once and on every change; `: keepalive` comments in between',
        tags: ['system'],
        security: [{ bearer: [] }],
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'A text/event-stream' }), 401: ErrorBody, 403: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      if (streams.size >= events.maxClients) {
        throw new HttpError(503, 'unavailable', `too many event streams are open (server.events.maxClients is ${events.maxClients}); try again later`);
      }
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Proxies such as nginx would otherwise hold events back.
        'x-accel-buffering': 'no',
      });
      response.write(`retry: ${Math.max(1000, events.pollMs)}\n\n`);
      const write = (chunk: string) => {
        if (response.writableLength > MAX_UNSENT_BYTES) end();
        else response.write(chunk);
      };
      let unsubscribe = () => {};
      let keepalive: NodeJS.Timeout | undefined;
      function end(): void {
        if (!streams.delete(end)) return;
        clearInterval(keepalive);
        unsubscribe();
        endResponse(response);
      }
      streams.add(end);
      unsubscribe = feed.subscribe((next) => write(`event: overview\ndata: ${JSON.stringify(next)}\n\n`));
      keepalive = setInterval(() => write(': keepalive\n\n'), events.keepaliveMs);
      request.raw.once('close', end);
      response.once('close', end);
    },
  );
};

function endResponse(response: ServerResponse): void {
  if (!response.writableEnded) response.end();
}

export default overview;
