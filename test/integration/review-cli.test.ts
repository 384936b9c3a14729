/** `npx parley review` as a user runs it: the built bin, JSON with paths relative to <dir>, one-line errors. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runParley } from '../support/cli';
import { tempDir } from '../support/paths';
import { plantRepository } from '../support/review-repo';
import { startOpenAIStandIn, type OpenAIStandIn } from '../support/standins';

const parley = (args: string[], env: NodeJS.ProcessEnv = {}) => runParley(args, { env: { HOME: process.env.HOME, ...env }, timeoutMs: 60_000 });

interface ReviewJson {
  summary: {
    root: string;
    files: number;
    llm: { state: string; modules: number; hint?: string };
    findings: Record<string, number>;
    cached: boolean;
    dismissed?: number;
  };
  findings: { id: string; file: string; line: number; severity: string; title: string; message: string; certainty?: string }[];
}

describe('parley review', { timeout: 180_000 }, () => {
  const dir = tempDir('review-cli');
  const root = join(dir.path, 'planted');
  const cache = join(dir.path, 'cache');
  let model: OpenAIStandIn;

  before(async () => {
    plantRepository(root);
    model = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 0 } });
  });
  after(async () => {
    await model.close();
    dir.cleanup();
  });

  it('prints the static review as JSON with paths relative to the folder', async () => {
    const { code, stdout, stderr } = await parley(['review', root, '--json', '--static-only'], { XDG_CACHE_HOME: cache });
    assert.equal(code, 0, stderr);
    const review = JSON.parse(stdout) as ReviewJson;
    assert.equal(review.summary.root, root);
    assert.equal(review.summary.llm.state, 'skipped');
    assert.ok(review.findings.length >= 5);
    for (const finding of review.findings) {
      assert.deepEqual(
        Object.keys(finding).filter((key) => key !== 'certainty'),
        ['id', 'file', 'line', 'severity', 'title', 'message'],
      );
      assert.match(finding.id, /^[a-z-]+-[0-9a-f]{12}$/);
      assert.ok(!finding.file.startsWith('/') && !finding.file.startsWith('.'), finding.file);
    }
    const kinds = review.findings.map((f) => `${f.file}: ${f.title}`);
    assert.ok(kinds.includes('src/core/registry.ts: Dependency cycle between modules src/core → src/ui → src/core'), kinds.join('\n'));
    assert.ok(kinds.some((k) => k.startsWith('src/core/engine.ts: Change hotspot')));
    assert.equal(review.summary.findings.warning, review.findings.filter((f) => f.severity === 'warning').length);
  });

  it('adds the model review when PARLEY_LLM names one, and says how to configure one when none is', async () => {
    const env = { XDG_CACHE_HOME: cache, PARLEY_LLM: 'openai-compatible', PARLEY_LLM_BASE_URL: model.baseURL, PARLEY_LLM_MODEL: 'reviewer' };
    const bug = {
      title: 'Engines leak in the registry',
      explanation: 'Nothing removes them.',
      file: 'src/core/registry.ts',
      startLine: 4,
      endLine: 4,
      severity: 'error',
      fix: 'Remove them.',
    };
    model.chat.push({ text: JSON.stringify({ findings: [bug] }) });
    const { code, stdout, stderr } = await parley(['review', root, '--json', '--max-modules', '1'], env);
    assert.equal(code, 0, stderr);
    const review = JSON.parse(stdout) as ReviewJson;
    assert.equal(review.summary.llm.state, 'reviewed');
    assert.equal(review.summary.llm.modules, 1);
    assert.match(review.findings[0]!.id, /^llm-[0-9a-f]{12}$/);
    assert.deepEqual(review.findings[0], {
      id: review.findings[0]!.id,
      file: 'src/core/registry.ts',
      line: 4,
      severity: 'error',
      title: 'Engines leak in the registry',
      message: 'Nothing removes them. Suggested fix: Remove them.',
    });

    const none = JSON.parse((await parley(['review', root, '--json'], { XDG_CACHE_HOME: cache })).stdout) as ReviewJson;
    assert.equal(none.summary.llm.state, 'not-configured');
    assert.match(none.summary.llm.hint!, /ANTHROPIC_API_KEY/);
  });

  it('dismisses a finding by its id for this repository, keeps it out of later reviews, and restores it', async () => {
    const env = { XDG_CACHE_HOME: cache };
    const first = JSON.parse((await parley(['review', root, '--json', '--static-only'], env)).stdout) as ReviewJson;
    const cycle = first.findings.find((finding) => finding.title.startsWith('Dependency cycle between modules'))!;
    const dismissed = await parley(['review', root, '--json', '--static-only', '--dismiss', cycle.id], env);
    assert.equal(dismissed.code, 0, dismissed.stderr);
    const after = JSON.parse(dismissed.stdout) as ReviewJson;
    assert.equal(after.findings.length, first.findings.length - 1);
    assert.equal(after.summary.dismissed, 1);
    const later = JSON.parse((await parley(['review', root, '--json', '--static-only'], env)).stdout) as ReviewJson;
    assert.equal(
      later.findings.some((finding) => finding.id === cycle.id),
      false,
      'still dismissed in the next review',
    );
    const unknown = await parley(['review', root, '--static-only', '--dismiss', 'cycle-000000000000'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no finding cycle-000000000000 in this review/);
    const restored = JSON.parse((await parley(['review', root, '--json', '--static-only', '--restore-dismissed'], env)).stdout) as ReviewJson;
    assert.ok(restored.findings.some((finding) => finding.id === cycle.id));
    assert.equal(restored.summary.dismissed, undefined);
  });

  it('prints the Markdown report without --json, its links relative to the folder', async () => {
    const { code, stdout } = await parley(['review', root, '--static-only', '--no-cache']);
    assert.equal(code, 0);
    assert.match(stdout, /^# Repository review: planted\n/);
    assert.match(stdout, /\[src\/core\/registry\.ts:2\]\(src\/core\/registry\.ts#L2\)/);
  });

  it('reviews a tiny repository whose files use none of each other and have no tests', async () => {
    const tiny = join(dir.path, 'tiny');
    mkdirSync(tiny);
    writeFileSync(join(tiny, 'math.ts'), 'export function addNumbers(a: number, b: number) {\n  return a + b;\n}\n');
    writeFileSync(join(tiny, 'greet.ts'), 'export function greetPerson(name: string) {\n  return `hello ${name}`;\n}\n');
    writeFileSync(join(tiny, 'counter.ts'), 'export class Counter {\n  count = 0;\n  bump() {\n    this.count++;\n  }\n}\n');
    const { code, stdout, stderr } = await parley(['review', tiny, '--json'], { XDG_CACHE_HOME: cache });
    assert.equal(code, 0, stderr);
    const review = JSON.parse(stdout) as ReviewJson;
    assert.equal(review.summary.files, 3);
    const untested = review.findings.find((f) => f.title === 'No tests found in the repository');
    assert.ok(untested, JSON.stringify(review.findings));
    assert.equal(untested.file, 'counter.ts', 'the file with the most code: a class and its method');
    assert.match(untested.message, /Start with counter\.ts \(no file uses another/);
  });

  it('exits non-zero with one line for a folder that does not exist or a bad option', async () => {
    const missing = await parley(['review', join(dir.path, 'nope'), '--json']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /^parley: parley review: .*nope is not a folder\.\n$/);
    const bad = await parley(['review', root, '--colour']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^parley: parley review: Unknown option '--colour'\. Usage: parley review <dir>[^\n]*\n$/);
    const none = await parley(['review']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /which folder\?/);
  });
});
