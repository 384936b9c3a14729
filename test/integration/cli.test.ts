/** `npx parley …` as a user runs it: the bin script, the built bundle, the environment. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StatusReportSchema } from '../../protocol/status';
import { CLI_BIN, tempDir } from '../support/paths';

function parley(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [CLI_BIN, ...args], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('parley status', () => {
  it('prints JSON with the providers chosen by PARLEY_* variables and the keys present', () => {
    const dir = tempDir('cli');
    try {
      const { code, stdout } = parley(['status', '--json', '--storage', dir.path], {
        PARLEY_LLM: 'openai',
        PARLEY_LLM_MODEL: 'gpt-4.1-mini',
        OPENAI_API_KEY: 'sk-test-abcdefghijklmnopqrstuvwx',
        PARLEY_STT: 'deepgram',
        PARLEY_TTS: 'none',
        PARLEY_EMBEDDINGS: 'openai-compatible',
        PARLEY_EMBEDDINGS_BASE_URL: 'http://127.0.0.1:9/v1',
      });
      assert.equal(code, 0);
      const report = StatusReportSchema.parse(JSON.parse(stdout));
      const stage = (name: string) => report.providers.find((entry) => entry.stage === name)!;
      assert.deepEqual(stage('llm'), { stage: 'llm', provider: 'openai', model: 'gpt-4.1-mini', baseUrl: '', configured: true });
      assert.equal(stage('stt').configured, false);
      assert.match(stage('stt').hint!, /Deepgram key/);
      assert.equal(stage('tts').configured, true);
      assert.equal(stage('embeddings').baseUrl, 'http://127.0.0.1:9/v1');
      assert.equal(report.storage.knowledgeDb, join(dir.path, 'knowledge.db'));
      assert.equal(report.versions.fts5, true);
      assert.ok(!stdout.includes('sk-test-abcdefghijklmnopqrstuvwx'));
    } finally {
      dir.cleanup();
    }
  });

  it('lists the local programs Parley runs, with the command that installs each missing one', () => {
    const dir = tempDir('cli-programs');
    try {
      const bin = join(dir.path, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'git'), '#!/bin/sh\n');
      chmodSync(join(bin, 'git'), 0o755);
      const { code, stdout } = parley(['status', '--json', '--storage', join(dir.path, 's')], { PATH: bin });
      assert.equal(code, 0);
      const programs = StatusReportSchema.parse(JSON.parse(stdout)).programs;
      assert.deepEqual(
        programs.map((program) => [program.id, program.path]),
        [
          ['recognizer', null],
          ['voice', null],
          ['recorder', null],
          ['git', join(bin, 'git')],
        ],
      );
      if (process.platform === 'linux') {
        assert.deepEqual(
          programs.slice(0, 3).map((program) => program.install),
          ['sudo apt-get install pocketsphinx pocketsphinx-en-us', 'sudo apt-get install espeak-ng', 'sudo apt-get install alsa-utils'],
        );
      }
      const text = parley(['status', '--storage', join(dir.path, 's')], { PATH: bin }).stdout;
      assert.match(text, /system voice \(espeak-ng, say or SAPI\) — missing; install: sudo apt-get install espeak-ng — for spoken answers/);
    } finally {
      dir.cleanup();
    }
  });

  it('warns about a provider it does not know and uses the default', () => {
    const dir = tempDir('cli-bad');
    try {
      const { code, stdout, stderr } = parley(['status', '--json', '--storage', dir.path], { PARLEY_LLM: 'skynet' });
      assert.equal(code, 0);
      assert.equal(StatusReportSchema.parse(JSON.parse(stdout)).providers[0]!.provider, 'anthropic');
      assert.match(stderr, /"skynet" is not one of anthropic, openai, openai-compatible/);
    } finally {
      dir.cleanup();
    }
  });

  it('recovers from a corrupt database and reports where it went', () => {
    const dir = tempDir('cli-corrupt');
    try {
      writeFileSync(join(dir.path, 'knowledge.db'), 'garbage'.repeat(1000));
      const { code, stdout } = parley(['status', '--json', '--storage', dir.path]);
      assert.equal(code, 0);
      assert.equal(StatusReportSchema.parse(JSON.parse(stdout)).storage.recovered.length, 1);
    } finally {
      dir.cleanup();
    }
  });
});

describe('parley errors', () => {
  it('exits non-zero with one line for an unknown command', () => {
    const { code, stdout, stderr } = parley(['teleport', '--json']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /^parley: unknown command "teleport"/);
  });

  it('exits non-zero with one line for an unknown option', () => {
    const { code, stderr } = parley(['status', '--jsno']);
    assert.equal(code, 2);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /--jsno/);
  });

  it('exits non-zero with one line when storage cannot be created', () => {
    const dir = tempDir('cli-file');
    try {
      const blocker = join(dir.path, 'a-file');
      writeFileSync(blocker, 'not a folder');
      const { code, stderr } = parley(['status', '--storage', join(blocker, 'inside')]);
      assert.equal(code, 1);
      assert.equal(stderr.trim().split('\n').length, 1);
      assert.match(stderr, /^parley: .*(ENOTDIR|not a directory)/);
    } finally {
      dir.cleanup();
    }
  });
});
