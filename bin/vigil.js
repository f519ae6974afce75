#!/usr/bin/env node
// The `vigil` command (cli/main.ts).
'use strict';
require('./run-entry.js')('vigil', 'cli/main');
