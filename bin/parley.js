#!/usr/bin/env node
// Parley's command line. better-sqlite3 needs Node 22 or newer; `npx parley` from the repository
// finds the Node pinned in devDependencies first on PATH.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`parley: needs Node 22 or newer (this is ${process.version}); run it with npx from the repository, or install Node 22+\n`);
  process.exit(1);
}
const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('parley: dist/cli.js is missing; run "npm install" (or "npm run build") in the repository first\n');
  process.exit(1);
}
require(cli);
