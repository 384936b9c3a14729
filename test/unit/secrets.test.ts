import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { redactText } from '../../server/log';
import { redactRequest } from '../../server/providers/llm/redact';
import { findSecrets, redactSecrets } from '../../server/secrets/redact';
import { redactForModel } from '../../server/tools/redact';
import { REPO } from '../support/paths';
import { KEY_SAMPLES, leakedKeys } from '../support/secrets';

const everyKey = Object.values(KEY_SAMPLES)
  .map((sample) => `const value = ${JSON.stringify(sample)};\n${sample}\n`)
  .join('\n');

describe('secret redaction', () => {
  it('masks every known key shape for a model', async () => {
    for (const [name, sample] of Object.entries(KEY_SAMPLES)) {
      assert.deepEqual(leakedKeys(await redactSecrets(`config: ${sample}\n`)), [], name);
    }
    assert.deepEqual(leakedKeys(await redactSecrets(everyKey)), []);
  });

  it('masks every known key shape in a log line', () => {
    for (const [name, sample] of Object.entries(KEY_SAMPLES)) {
      if (name === 'database URL with password' || name === 'AWS secret access key') continue;
      assert.deepEqual(leakedKeys(redactText(`request failed: ${sample}`)), [], name);
    }
  });

  it('masks the whole of a key whose rule reports only part of it', async () => {
    const masked = await redactSecrets('aws_secret_access_key = "1tUm636uS1yOEcfP5pvfqJ/ml36mF7AkyHsEU0IU"');
    assert.doesNotMatch(masked, /EU0IU|1tUm/);
  });

  it('is not switched off by a comment in the text', async () => {
    const masked = await redactSecrets(
      `// secretlint-disable-next-line\nconst key = "${KEY_SAMPLES['GitHub token']}";\n/* secretlint-disable */\nconst other = "${KEY_SAMPLES['Stripe live key']}";\n`,
    );
    assert.deepEqual(leakedKeys(masked), []);
  });

  it("leaves ordinary code alone: commit ids, hashes, Parley's own source", async () => {
    const text = 'commit 0123456789abcdef0123456789abcdef01234567\nconst sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";\n';
    assert.equal(await redactSecrets(text), text);
    for (const file of ['server/main.ts', 'server/knowledge/search.ts', 'server/repo/repomap.ts']) {
      const source = readFileSync(join(REPO, file), 'utf8');
      assert.deepEqual(await findSecrets(source), [], file);
    }
  });

  it('scans a 2 MB file packed with keys in bounded time', async () => {
    const big = everyKey.repeat(Math.ceil(2e6 / everyKey.length));
    const started = performance.now();
    const masked = await redactSecrets(big);
    assert.deepEqual(leakedKeys(masked), []);
    assert.ok(performance.now() - started < 15_000, `${Math.round(performance.now() - started)} ms`);
  });

  it('masks the values of dotenv-like files whatever they look like', () => {
    for (const name of ['.env', '.env.production', 'prod.env', '.envrc', '.npmrc', '.pypirc']) {
      const masked = redactForModel(
        `/ws/${name}`,
        'export DATABASE_PASSWORD=plainpassword\n//registry.npmjs.org/:_authToken=npmplaintoken\npassword = pypiplain\n',
      );
      assert.doesNotMatch(masked, /plainpassword|npmplaintoken|pypiplain/, name);
    }
    assert.doesNotMatch(redactForModel('/home/u/.netrc', 'machine example.com login me password netrcplain\n'), /netrcplain/);
    assert.match(redactForModel('/ws/src/env.ts', 'const mode = production;\n'), /production/);
  });

  it('masks every part of a model request: instructions, context, messages and tool results', async () => {
    const key = KEY_SAMPLES['GitHub token']!;
    const request = await redactRequest({
      system: `rules ${key}`,
      context: `## Problems\n- a.ts:1 error: '${key}' is not assignable`,
      messages: [
        { role: 'user', text: `my token is ${key}` },
        { role: 'assistant', text: `noted ${key}`, toolCalls: [{ id: 'c1', name: 'read_file', input: { path: 'a.ts' } }] },
        { role: 'tool', toolCallId: 'c1', content: `1  const t = "${key}"` },
      ],
    });
    assert.deepEqual(leakedKeys(JSON.stringify(request)), []);
  });
});
