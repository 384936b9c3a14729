/**
 * The model part of the review against the OpenAI-compatible stand-in, through the official SDK:
 * one request per module with the repo map and the static findings as context, a malformed answer
 * rejected for its module alone with a clear reason, duplicates merged, and a clean commit's
 * review opened from the cache without asking the model again.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../protocol/settings';
import type { Logger } from '../../server/log';
import { Keys } from '../../server/providers/keys';
import { ProviderRegistry } from '../../server/providers/registry';
import { RepoIndex } from '../../server/repo/index';
import { runReview, type ReviewOptions } from '../../server/repo/review/review';
import { tempDir } from '../support/paths';
import { plantRepository } from '../support/review-repo';
import { startOpenAIStandIn, type OpenAIStandIn } from '../support/standins';
import type { RecordedRequest } from '../support/standins/exchange';
import { setWorkspaceTrusted } from '../../server/process/trust';

// These repositories are read as in a trusted workspace; the untrusted case has tests of its own.
setWorkspaceTrusted(true);

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const CORE = {
  findings: [
    {
      title: 'Engine state shared between registered widgets',
      explanation: 'registerWidget keeps every engine in a module-level map that is never cleared, so engines leak.',
      file: 'src/core/registry.ts',
      startLine: 6,
      endLine: 10,
      severity: 'error',
      fix: 'Remove engines when their widget goes away, or keep the map per caller.',
    },
    {
      title: 'Engine state shared between widgets',
      explanation: 'The same map again.',
      file: 'src/core/registry.ts',
      startLine: 7,
      endLine: 8,
      severity: 'warning',
      fix: 'Clear it.',
    },
    {
      title: 'planEngineRun starts the engine as a side effect',
      explanation: 'A function named plan… should not start anything; callers planning twice start twice.',
      file: 'src/core/engine.ts',
      startLine: 96,
      endLine: 97,
      severity: 'warning',
      fix: 'Return the plan and let the caller start the engine.',
    },
  ],
};
const UI = {
  findings: [
    {
      title: 'renderAllWidgets registers on every render',
      explanation: 'Rendering has the side effect of registering.',
      file: 'src/ui/widgets.ts',
      startLine: 8,
      endLine: 10,
      severity: 'information',
      fix: 'Register once, render many times.',
    },
  ],
};

function moduleOf(request: RecordedRequest): string {
  return /Module under review: (\S+)/.exec(JSON.stringify(request.body))?.[1]?.replace(/\\n.*$/, '') ?? '';
}

/** A reply per request chosen by the module it asks about, since modules are reviewed two at a time. */
function answers(byModule: Record<string, string>) {
  return (request: RecordedRequest) => ({ text: byModule[moduleOf(request)] ?? '{"findings": []}' });
}

describe('model review of a repository', { timeout: 180_000 }, () => {
  const dir = tempDir('review-llm');
  const root = join(dir.path, 'planted');
  const cacheDir = join(dir.path, 'cache');
  let model: OpenAIStandIn;
  let settings: ParleySettings;

  const run = async (extra: Partial<ReviewOptions> = {}) => {
    const index = new RepoIndex(root, { poolSize: 1 });
    try {
      const result = await runReview({
        index,
        settings,
        providers: new ProviderRegistry(new Keys({}), quiet),
        log: quiet,
        cacheDir,
        linkBase: { dir: root },
        maxModules: 3,
        ...extra,
      });
      return { ...result, parsed: index.parseCount };
    } finally {
      await index.dispose();
    }
  };

  before(async () => {
    plantRepository(root);
    model = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 0 } });
    settings = { ...structuredClone(DEFAULT_SETTINGS), llm: { provider: 'openai-compatible', model: 'reviewer', baseUrl: model.baseURL } };
  });
  after(async () => {
    await model.close();
    dir.cleanup();
  });

  it('asks about each module with the map and the static findings, rejects a malformed answer for its module only, and merges duplicates', async () => {
    const reply = answers({
      'src/core': JSON.stringify(CORE),
      'src/util': 'Sure! The module looks fine to me.',
      'src/ui': '```json\n' + JSON.stringify(UI) + '\n```',
    });
    model.chat.push(reply, reply, reply);
    const result = await run();

    const asked = model.requests.filter((r) => r.path === '/v1/chat/completions');
    assert.deepEqual(asked.map(moduleOf).sort(), ['src/core', 'src/ui', 'src/util']);
    const core = JSON.stringify(asked.find((r) => moduleOf(r) === 'src/core')!.body);
    assert.match(core, /JSON only/);
    assert.match(core, /## Repository map/);
    assert.match(core, /EngineCore/);
    assert.match(core, /Dependency cycle between modules src\/core → src\/ui → src\/core/, 'the static findings are context');
    assert.match(core, /24│ export function planEngineRun/, 'the code comes with line numbers');
    assert.match(
      core,
      /Modules that import it:\\n- src\/ui \(2 imports; e\.g\. src\/ui\/widgets\.ts:1 imports src\/core\/engine\.ts\)/,
      'the import graph is context',
    );
    const ui = JSON.stringify(asked.find((r) => moduleOf(r) === 'src/ui')!.body);
    assert.match(ui, /Dependency cycle between modules src\/core → src\/ui → src\/core/, 'a cycle anchored in another module is context too');

    const { llm } = result.summary;
    assert.equal(llm.state, 'reviewed');
    assert.equal(llm.modules, 3);
    assert.equal(llm.model, 'openai-compatible reviewer');
    assert.deepEqual(
      llm.errors.map((e) => e.module),
      ['src/util'],
    );
    assert.match(llm.errors[0]!.error, /^the model's answer was rejected: the answer is not JSON \(.+\); it began "Sure! The module looks fine/);

    const fromModel = result.findings.filter((f) => f.kind === 'llm');
    assert.deepEqual(
      fromModel.map((f) => [f.file, f.line, f.severity]),
      [
        ['src/core/registry.ts', 6, 'error'],
        ['src/core/engine.ts', 96, 'warning'],
        ['src/ui/widgets.ts', 8, 'information'],
      ],
    );
    assert.equal(result.findings[0]!.title, 'Engine state shared between registered widgets', 'the error comes first');
    assert.ok(result.findings.some((f) => f.kind === 'cycle') && result.findings.some((f) => f.kind === 'hotspot'), 'the static findings stay');
    assert.match(
      result.markdown,
      /Model review: 3 modules reviewed by openai-compatible reviewer\. 1 module could not be reviewed:\n- `src\/util`: the model's answer was rejected/,
    );
    assert.match(result.markdown, /\*\*Where:\*\* \[src\/core\/registry\.ts:6-10\]\(src\/core\/registry\.ts#L6\)/);
    assert.equal(result.summary.cached, false);
  });

  it('opens the review of an unchanged clean commit from the cache without scanning or asking the model', async () => {
    const reply = answers({ 'src/core': JSON.stringify(CORE), 'src/ui': JSON.stringify(UI) });
    model.chat.push(reply, reply, reply);
    const before = model.requests.length;
    const fresh = await run();
    assert.equal(model.requests.length - before, 3, 'the earlier review had a failed module, so it was not kept');
    assert.equal(fresh.summary.llm.errors.length, 0);

    const again = await run();
    assert.equal(model.requests.length - before, 3, 'no new model request');
    assert.equal(again.parsed, 0, 'no file parsed');
    assert.equal(again.summary.cached, true);
    assert.deepEqual(again.findings, fresh.findings);
    assert.match(again.markdown, /opened from the cache of this commit/);
  });

  it('reviews again once the work tree changes', async () => {
    appendFileSync(join(root, 'README.md'), '\nA new line.\n');
    const before = model.requests.length;
    const changed = await run();
    assert.equal(changed.summary.cached, false);
    assert.equal(changed.summary.clean, false);
    assert.equal(model.requests.length - before, 3);
  });

  it('asks no model for a static-only review', async () => {
    const before = model.requests.length;
    const result = await run({ staticOnly: true });
    assert.equal(model.requests.length, before);
    assert.equal(result.summary.llm.state, 'skipped');
    assert.ok(result.findings.length > 0 && result.findings.every((f) => f.kind !== 'llm'));
  });

  it('without a model gives the static review and says what the model part would add and how to set it up', async () => {
    const before = model.requests.length;
    const result = await run({ settings: structuredClone(DEFAULT_SETTINGS) });
    assert.equal(model.requests.length, before);
    assert.equal(result.summary.llm.state, 'not-configured');
    assert.match(result.summary.llm.hint!, /Set an Anthropic key/);
    assert.ok(result.findings.every((f) => f.kind !== 'llm'));
    assert.match(result.markdown, /## What the model review would add\n\nWith a language model, Parley also reads the code/);
    assert.match(result.markdown, /To turn it on: Set an Anthropic key/);
  });
});
