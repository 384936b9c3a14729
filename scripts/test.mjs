// `npm test`: build and package exactly what users get, type-check, lint, prepare the real
// VS Code (code-server + Chromium) once, then run unit, integration and end-to-end tests in one
// node:test run so the closing summary counts all of them.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const step = (title, command, args) => {
  process.stdout.write(`\n▶ ${title}\n`);
  try {
    execFileSync(command, args, { stdio: 'inherit' });
  } catch (error) {
    process.stderr.write(`\n✖ ${title} failed (${error.status === null ? `signal ${error.signal}` : `exit ${error.status}`})\n`);
    process.exit(error.status || 1);
  }
};

function testFiles(dir) {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

const only = process.argv.slice(2);
const layers = only.length > 0 ? only : ['unit', 'integration', 'security', 'e2e'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

step('Build and package the VSIX', npm, ['run', '--silent', 'package']);
step('Type-check', npm, ['run', '--silent', 'typecheck']);
step('Lint and check the formatting', npm, ['run', '--silent', 'lint']);
if (layers.some((layer) => ['integration', 'security', 'e2e'].includes(layer))) step('Prepare the offline speech programs', 'bash', ['scripts/voice-env.sh']);
if (layers.some((layer) => ['integration', 'e2e'].includes(layer))) step('Prepare PostgreSQL for the team hub', 'bash', ['scripts/pg-env.sh']);
if (layers.some((layer) => ['integration', 'e2e'].includes(layer))) step('Prepare Python with matplotlib for the REPL', 'bash', ['scripts/hands-env.sh']);
if (layers.includes('e2e')) step('Prepare code-server and Chromium', 'bash', ['scripts/e2e-env.sh']);

const files = layers.flatMap((layer) => testFiles(join('test', layer)));
// The security suite's table of hostile cases prints after the spec output when its layer runs.
const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout'];
if (layers.includes('security')) reporters.push('--test-reporter=./test/security/table.mjs', '--test-reporter-destination=stdout');
step(`Tests (${layers.join(', ')})`, process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...reporters, ...files]);
