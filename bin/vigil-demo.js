#!/usr/bin/env node
// The demo shop's control command (demo/ctl.ts): start, stop, restart, status,
// run, faults and heals.
'use strict';
require('./run-entry.js')('vigil-demo', 'demo/ctl');
