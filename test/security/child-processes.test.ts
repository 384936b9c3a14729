/**
 * Child processes: a repository's own configuration must not make Parley run a program, and no
 * program Parley starts sees a provider key. Driven through what users run: the built command
 * line and the built server over stdio, in a trusted and in an untrusted workspace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ReviewRequest } from '../../protocol/lsp';
import { spawnChild } from '../../server/process/spawn';
import { plantHostileRepository, type HostileRepository } from '../support/hostile-repo';
import { runParley } from '../support/cli';
import { tempDir } from '../support/paths';
import { startServer } from '../support/server';

const KEYS = {
  ANTHROPIC_API_KEY: 'sk-ant-api03-childprocesskey0000000000',
  OPENAI_API_KEY: 'sk-proj-childprocesskey000000000000',
  DEEPGRAM_API_KEY: '0123456789abcdef0123456789abcdef01234567',
};
const BASE_ENV = { PATH: process.env.PATH, HOME: process.env.HOME };

const parley = (args: string[], env: NodeJS.ProcessEnv, cwd?: string) => runParley(args, { env: { ...BASE_ENV, ...env }, cwd, timeoutMs: 120_000 });

/** A `git` first on PATH that records each call (its arguments and environment) and runs the real one. */
function recordingGit(dir: string): { bin: string; calls(): string } {
  const bin = join(dir, 'recording-bin');
  const calls = join(dir, 'git-calls.log');
  const real = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'git'), `#!/bin/sh\n{ echo "ARGS $*"; env | sed 's/^/ENV /'; } >> '${calls}'\nexec '${real}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  return { bin, calls: () => (existsSync(calls) ? readFileSync(calls, 'utf8') : '') };
}

describe('child processes', { timeout: 300_000 }, () => {
  const dir = tempDir('security-children');
  let repo: HostileRepository;

  before(() => {
    repo = plantHostileRepository(dir.path);
  });
  after(() => dir.cleanup());

  it('a repository whose git config names programs (fsmonitor, filters, hooks, gpg, textconv, external diff) → plain git runs them (the fixture is armed)', () => {
    const env = { ...BASE_ENV, ...KEYS, GIT_CONFIG_NOSYSTEM: '1' };
    spawnSync('git', ['-C', repo.root, 'status', '--porcelain'], { env });
    spawnSync('git', ['-C', repo.root, 'log', '-1', '-p'], { env });
    const ran = repo.ran();
    assert.ok(ran.length >= 3, ran.join('\n'));
    assert.ok(
      ran.some((line) => line.includes(`key=${KEYS.ANTHROPIC_API_KEY}`)),
      'plain git hands the key on',
    );
    writeFileSync(repo.ranLog, '');
  });

  it('the same repository, `parley review --json` with keys set → none of its programs runs, and the history is still read', async () => {
    const { code, stdout, stderr } = await parley(['review', repo.root, '--json', '--static-only'], { ...KEYS, XDG_CACHE_HOME: join(dir.path, 'cache') });
    assert.equal(code, 0, stderr);
    assert.deepEqual(repo.ran(), []);
    const review = JSON.parse(stdout) as { findings: { file: string; title: string }[] };
    assert.ok(
      review.findings.some((f) => f.file === 'src/core/engine.ts' && f.title.startsWith('Change hotspot')),
      'git history was read',
    );
  });

  it('the same repository, `parley repomap` → none of its programs runs', async () => {
    const { code, stderr } = await parley(['repomap', repo.root, '--json'], KEYS);
    assert.equal(code, 0, stderr);
    assert.deepEqual(repo.ran(), []);
  });

  it('an untrusted workspace, Parley: Review Repository → no git process at all; the report says why history is missing', async () => {
    const git = recordingGit(join(dir.path, 'untrusted'));
    const storage = { globalStoragePath: join(dir.path, 'untrusted', 'g'), workspaceStoragePath: join(dir.path, 'untrusted', 'w') };
    const server = await startServer({ storage, trusted: false, env: { ...KEYS, PATH: `${git.bin}${delimiter}${process.env.PATH}`, HOME: process.env.HOME } });
    try {
      server.editorState = { workspaceFolders: [repo.root], openFiles: [], diagnostics: [] };
      server.connection.onRequest('window/workDoneProgress/create', () => null);
      const result = await server.connection.sendRequest(ReviewRequest.type, { staticOnly: true });
      assert.equal(git.calls(), '', 'git was started');
      assert.equal(result.summary.gitWithheld, true);
      assert.match(result.markdown, /Change hotspots need git history, which Parley reads only in a trusted workspace/);
      assert.deepEqual(repo.ran(), []);
    } finally {
      await server.stop();
    }
  });

  it('a trusted workspace, Parley: Review Repository → git runs with its programs switched off and without a key in its environment', async () => {
    const git = recordingGit(join(dir.path, 'trusted'));
    const storage = { globalStoragePath: join(dir.path, 'trusted', 'g'), workspaceStoragePath: join(dir.path, 'trusted', 'w') };
    const server = await startServer({ storage, trusted: true, env: { ...KEYS, PATH: `${git.bin}${delimiter}${process.env.PATH}`, HOME: process.env.HOME } });
    try {
      server.editorState = { workspaceFolders: [repo.root], openFiles: [], diagnostics: [] };
      server.connection.onRequest('window/workDoneProgress/create', () => null);
      const result = await server.connection.sendRequest(ReviewRequest.type, { staticOnly: true });
      assert.equal(result.summary.churn, true);
      const calls = git.calls();
      assert.match(calls, /ARGS .*core\.fsmonitor=false.*core\.hooksPath=\/dev\/null/);
      assert.match(calls, /ARGS .*filter\.evil\.clean= .*status/, "the repository's filter is emptied for git status");
      assert.match(calls, /^ENV GIT_CONFIG_NOSYSTEM=1$/m);
      for (const key of Object.values(KEYS)) assert.ok(!calls.includes(key), 'a key reached git');
      assert.doesNotMatch(calls, /^ENV (ANTHROPIC|OPENAI|DEEPGRAM)_API_KEY=/m);
      assert.deepEqual(repo.ran(), []);
    } finally {
      await server.stop();
    }
  });

  it("a workspace with its own `git` and a relative entry in PATH → the workspace's program never runs", async () => {
    const planted = join(dir.path, 'planted-git');
    mkdirSync(planted, { recursive: true });
    writeFileSync(join(planted, 'git'), `#!/bin/sh\necho planted >> '${repo.ranLog}'\n`);
    chmodSync(join(planted, 'git'), 0o755);
    const { code, stderr } = await parley(['repomap', repo.root, '--json'], { ...KEYS, PATH: `.${delimiter}${process.env.PATH}` }, planted);
    assert.equal(code, 0, stderr);
    assert.deepEqual(repo.ran(), []);
  });

  it("every program Parley starts (spawn helper) with keys in the server's environment → the program sees none of them", async () => {
    for (const purpose of ['git', 'audio', 'speech'] as const) {
      const child = spawnChild('sh', ['-c', 'env'], { purpose, env: { ...process.env, ...KEYS, GITHUB_TOKEN: 'ghp_x', AWS_SECRET_ACCESS_KEY: 'x' } });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await new Promise((resolve) => child.on('close', resolve));
      assert.match(output, /^PATH=/m);
      assert.doesNotMatch(output, /API_KEY|GITHUB_TOKEN|AWS_SECRET|sk-ant|sk-proj/, purpose);
    }
  });
});
