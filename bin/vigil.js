#!/usr/bin/env node
// The `vigil` command (cli/main.ts).
'use strict';
require('./run-entry')('vigil', 'cli/main');
