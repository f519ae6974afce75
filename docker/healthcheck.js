#!/usr/bin/env node
// The image's HEALTHCHECK: exit 0 when the ops listener's /-/ready answers 200.
// The port is the one `vigil api` and `vigil worker` listen on: server.ops.port,
// from VIGIL_SERVER__OPS__PORT (default 8081). No curl in the slim image, so node.
'use strict';
const port = process.env.VIGIL_SERVER__OPS__PORT || '8081';
fetch(`http://127.0.0.1:${port}/-/ready`, { signal: AbortSignal.timeout(4000) }).then(
  (response) => process.exit(response.status === 200 ? 0 : 1),
  () => process.exit(1),
);
