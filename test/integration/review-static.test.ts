/**
 * The review's static checks on a repository with planted problems: a dependency cycle between
 * two modules, a hotspot made by scripted commits, a busy module no test covers, a TODO cluster,
 * a long function and the editor's diagnostics. Without git everything but the hotspot remains.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkspaceDiagnostic } from '../../protocol/lsp';
import type { ReviewFinding } from '../../protocol/review';
import { gatherFacts, staticFindings } from '../../server/repo/findings';
import { RepoIndex } from '../../server/repo/index';
import { tempDir } from '../support/paths';
import { HOTSPOT_COMMITS, plantRepository } from '../support/review-repo';
import { setWorkspaceTrusted } from '../../server/process/trust';

// These repositories are read as in a trusted workspace; the untrusted case has tests of its own.
setWorkspaceTrusted(true);

async function review(root: string, options: { exclude?: string[]; diagnostics?: WorkspaceDiagnostic[] } = {}) {
  const index = new RepoIndex(root, { exclude: options.exclude ?? [], poolSize: 1 });
  try {
    await index.refresh();
    const facts = await gatherFacts(index);
    return { facts, findings: await staticFindings(facts, { diagnostics: options.diagnostics ?? [] }) };
  } finally {
    await index.dispose();
  }
}

const ofKind = (findings: ReviewFinding[], kind: ReviewFinding['kind']) => findings.filter((f) => f.kind === kind);

function diagnostic(path: string, line: number, severity: WorkspaceDiagnostic['severity'], message: string, source: string): WorkspaceDiagnostic {
  return { path, range: { start: { line, character: 0 }, end: { line, character: 5 } }, severity, message, source };
}

describe('static review findings', { timeout: 120_000 }, () => {
  const dir = tempDir('review-static');
  const root = join(dir.path, 'planted');
  let findings: ReviewFinding[];

  before(async () => {
    plantRepository(root);
    const diagnostics = [
      diagnostic(join(root, 'src/ui/widgets.ts'), 4, 'error', "Type 'number' is not assignable to type 'string'.", 'ts'),
      diagnostic(join(root, 'src/ui/widgets.ts'), 8, 'warning', "'names' is never reassigned.", 'eslint'),
      diagnostic(join(root, 'src/core/engine.ts'), 2, 'warning', 'An earlier review finding', 'Parley'),
      diagnostic('/somewhere/else/x.ts', 1, 'error', 'Outside the repository', 'ts'),
    ];
    ({ findings } = await review(root, { diagnostics }));
  });
  after(() => dir.cleanup());

  it('finds the dependency cycle between src/core and src/ui, with where each side uses the other', () => {
    const [cycle, ...more] = ofKind(findings, 'cycle');
    assert.equal(more.length, 0);
    assert.equal(cycle!.title, 'Dependency cycle between modules src/core → src/ui → src/core');
    assert.equal(cycle!.severity, 'warning');
    assert.deepEqual([cycle!.file, cycle!.line], ['src/core/registry.ts', 2]);
    // The evidence is the import statements themselves, not names the files happen to share.
    assert.match(
      cycle!.why,
      /src\/core\/registry\.ts:2 imports src\/ui\/widgets\.ts \('\.\.\/ui\/widgets'\); src\/ui\/widgets\.ts:1 imports src\/core\/engine\.ts/,
    );
    assert.equal(cycle!.related?.[0]?.file, 'src/ui/widgets.ts');
    assert.match(cycle!.message, /Suggested fix: Break the loop/);
  });

  it('finds the change hotspot the commits made', () => {
    const [hotspot, ...more] = ofKind(findings, 'hotspot');
    assert.equal(more.length, 0, 'files committed once are not hotspots');
    assert.equal(hotspot!.file, 'src/core/engine.ts');
    assert.match(hotspot!.title, new RegExp(`\\(${HOTSPOT_COMMITS + 1} commits, \\d+ lines\\)`));
    assert.equal(hotspot!.certainty, 'heuristic');
    assert.match(hotspot!.why, /How sure: the commits and lines are counted exactly/);
  });

  it('finds the busy engine without tests, and not the tested formatter', () => {
    const untested = ofKind(findings, 'untested').map((f) => f.file);
    assert.ok(untested.includes('src/core/engine.ts'), untested.join(', '));
    assert.ok(!untested.includes('src/util/format.ts'));
    const engine = findings.find((f) => f.kind === 'untested' && f.file === 'src/core/engine.ts')!;
    assert.match(engine.why, /most central file of \d+ \(4 files use it\) and it changed in 6 commits/);
    assert.match(engine.fix, /EngineCore/);
  });

  it('finds the TODO cluster in code, not the TODO in the README', () => {
    const todos = ofKind(findings, 'todo');
    assert.deepEqual(
      todos.map((f) => [f.file, f.line]),
      [['src/util/cleanup.ts', 3]],
    );
    assert.match(todos[0]!.title, /^4 TODO\/FIXME\/HACK markers/);
    assert.match(todos[0]!.why, /line 5: "FIXME: this throws when the list is empty"/);
    assert.match(todos[0]!.why, /How sure: the markers are read exactly; whether they still matter is the team's call\./);
    assert.equal(todos[0]!.certainty, 'heuristic');
  });

  it('finds the long function with its line range from the symbols', () => {
    const [long] = ofKind(findings, 'large-function');
    assert.deepEqual([long!.file, long!.line, long!.endLine], ['src/core/engine.ts', 24, 98]);
    assert.equal(long!.title, 'Long function: planEngineRun is 75 lines');
    assert.equal(ofKind(findings, 'large-file').length, 0, 'no fixture file is large');
  });

  it("sums up the editor's diagnostics per file, leaving out Parley's own and other folders'", () => {
    const summary = ofKind(findings, 'diagnostics');
    assert.deepEqual(
      summary.map((f) => [f.file, f.line, f.severity]),
      [['src/ui/widgets.ts', 5, 'information']],
    );
    assert.equal(summary[0]!.title, '1 error and 1 warning open in src/ui/widgets.ts (ts, eslint)');
  });

  it('gives every finding a location, a severity, a title and why with a fix', () => {
    for (const f of findings) {
      assert.ok(f.line >= 1 && f.file && !f.file.startsWith('/'), JSON.stringify(f));
      assert.ok(['error', 'warning', 'information'].includes(f.severity));
      assert.ok(f.title && f.why && f.fix && f.message.includes(f.why) && f.message.includes(f.fix));
    }
  });

  it('works without git, skipping only the hotspots', async () => {
    const plain = tempDir('review-static-plain');
    try {
      const { facts, findings: without } = await review(plantRepository(join(plain.path, 'planted'), { history: false }));
      assert.equal(facts.churn, undefined);
      assert.equal(facts.head, undefined);
      assert.equal(ofKind(without, 'hotspot').length, 0);
      assert.deepEqual([...new Set(without.map((f) => f.kind))].sort(), ['cycle', 'large-function', 'todo', 'untested']);
    } finally {
      plain.cleanup();
    }
  });

  it('leaves out what parley.review.exclude names', async () => {
    const { findings: excluded } = await review(root, { exclude: ['src/util/'] });
    assert.equal(ofKind(excluded, 'todo').length, 0);
    assert.ok(excluded.every((f) => !f.file.startsWith('src/util/')));
  });
});
