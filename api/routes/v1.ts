// Everything under /api/v1: bearer auth first, then the resources.
import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps';
import auth from '../plugins/auth';
import actions from './actions';
import config from './config';
import drift from './drift';
import metrics from './metrics';
import overview from './overview';
import selfcheck from './selfcheck';
import services from './services';
import status from './status';
import triage from './triage';

const v1: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  await app.register(auth, { tokens: deps.tokens });
  await app.register(status, { deps });
  await app.register(overview, { deps });
  await app.register(selfcheck, { deps });
  await app.register(config, { deps });
  await app.register(services, { deps });
  await app.register(actions, { deps });
  await app.register(metrics, { deps });
  await app.register(drift, { deps });
  await app.register(triage, { deps });
};

export default v1;
