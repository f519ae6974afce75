#!/usr/bin/env node
// The demo service's control command (demo/ctl.ts): start, stop, restart, status
// and the failure simulator.
'use strict';
require('./run-entry.js')('vigil-demo', 'demo/ctl');
