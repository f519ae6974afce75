// What the routes of the two long-lived loops (health/<service>, drift/<app>)
// share: a Temporal call on one loop, with a missing loop as 404, a refused
// update as 409 and an unreachable server as 503; and the pause/resume pair,
// both signals that carry the caller's name.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { pauseSignal, resumeSignal } from '../../workflows/messages';
import type { ApiDeps } from '../deps';
import { ErrorBody, HttpError } from '../errors';
import { callTemporal, type RpcOptions } from '../rpc';
import { PauseAnswer, ResumeAnswer } from '../schemas/common';

type App = Parameters<FastifyPluginAsyncTypebox>[0];

export const LoopName = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,62}$' });
export const LoopErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody };

export type OnLoop = <T>(name: string, call: () => Promise<T>, options?: Pick<RpcOptions, 'deadline'>) => Promise<T>;

/** Runs `call` against one loop; `missing` says what a 404 is ("no service "x" is being watched"). */
export function loopCaller(deps: ApiDeps, missing: (name: string) => string): OnLoop {
  return (name, call, options) => callTemporal(deps, call, { ...options, missing: () => new HttpError(404, 'not_found', missing(name)) });
}

export interface PauseResumeOptions {
  /** The loop's path, e.g. `/drift/:app`, and its parameter (`app`). */
  path: string;
  param: string;
  tag: string;
  /** What pausing stops, for the OpenAPI summaries ("remediation", "applying"). */
  pauses: string;
  resumeNote?: string;
  workflowId: (name: string) => string;
  onLoop: OnLoop;
}

/** POST <path>/pause {reason, until?} and POST <path>/resume, operate role, 202. */
export function pauseResumeRoutes(app: App, deps: ApiDeps, options: PauseResumeOptions): void {
  const { client } = deps.temporal;
  const params = Type.Object({ [options.param]: LoopName });
  const handle = (name: string) => client.workflow.getHandle(options.workflowId(name));
  const nameOf = (request: { params: unknown }) => (request.params as Record<string, string>)[options.param];

  app.post(
    `${options.path}/pause`,
    {
      config: { role: 'operate' },
      schema: {
        summary: `Pause ${options.pauses} (checks go on); until a time, or until resumed`,
        tags: [options.tag],
        security: [{ bearer: [] }],
        params,
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }), until: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false }),
        response: { 202: PauseAnswer, ...LoopErrors },
      },
    },
    async (request, reply) => {
      const { reason, until } = request.body;
      const untilMs = until === undefined ? undefined : Date.parse(until);
      if (untilMs !== undefined && untilMs <= Date.now()) throw new HttpError(400, 'invalid_request', 'body.until: must be in the future', 'body.until');
      const name = nameOf(request);
      await options.onLoop(name, () => handle(name).signal(pauseSignal, { reason, until: untilMs, by: request.principal!.name }));
      return reply.status(202).send({ paused: true, until });
    },
  );

  app.post(
    `${options.path}/resume`,
    {
      config: { role: 'operate' },
      schema: {
        summary: `Resume ${options.pauses}${options.resumeNote ? ` (${options.resumeNote})` : ''}`,
        tags: [options.tag],
        security: [{ bearer: [] }],
        params,
        response: { 202: ResumeAnswer, ...LoopErrors },
      },
    },
    async (request, reply) => {
      const name = nameOf(request);
      await options.onLoop(name, () => handle(name).signal(resumeSignal, { by: request.principal!.name }));
      return reply.status(202).send({ paused: false });
    },
  );
}
