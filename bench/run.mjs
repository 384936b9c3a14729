// `npm run bench -- <suite>`: runs one benchmark suite (all when none is named) under tsx.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const suites = {
  foundation: 'bench/foundation.ts',
  voice: 'bench/voice.ts',
  kb: 'bench/kb.ts',
  repo: 'bench/repo.ts',
  review: 'bench/review.ts',
  vad: 'bench/vad.ts',
  hands: 'bench/hands.ts',
  imports: 'bench/imports.ts',
  logs: 'bench/logs.ts',
  sessions: 'bench/sessions.ts',
  hub: 'bench/hub.ts',
};
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in suites));
if (unknown.length > 0) {
  console.error(`bench: unknown suite ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
// The suites measure the shipped bundles (server, parser threads): build them from the current source.
if (!existsSync('dist/parley.vsix')) execFileSync('npm', ['run', '--silent', 'package'], { stdio: 'inherit' });
else execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
// Each suite runs under the Node flags the extension starts the server with, so that what it
// measures in its own process (builds, searches, turns) runs as it does in the server.
const { default: SERVER_NODE_FLAGS } = await import('../protocol/serverNodeFlags.json', { with: { type: 'json' } });
for (const name of wanted.length > 0 ? wanted : Object.keys(suites)) {
  execFileSync(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', suites[name]], { stdio: 'inherit' });
}
