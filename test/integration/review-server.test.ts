/**
 * parley/review through the real server over stdio: progress while it works, the report written
 * to the workspace storage, the findings published as diagnostics with source "Parley" (and the
 * previous review's cleared), and a review cancelled while the model is thinking.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { CancellationTokenSource, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { ReviewDismissalsRequest, ReviewRequest } from '../../protocol/lsp';
import { DEFAULT_SETTINGS } from '../../protocol/settings';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startServer, type TestServer } from '../support/server';
import { plantRepository } from '../support/review-repo';
import { startOpenAIStandIn, type OpenAIStandIn } from '../support/standins';

const text = (message: string | { value: string }) => (typeof message === 'string' ? message : message.value);

type Progress = { token: string; value: { kind: string; message?: string; percentage?: number; cancellable?: boolean } };

describe('review through the server', { timeout: 180_000 }, () => {
  const dir = tempDir('review-server');
  const root = join(dir.path, 'planted');
  const storage = { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') };
  let server: TestServer;
  let model: OpenAIStandIn;
  const published = new Map<string, PublishDiagnosticsParams['diagnostics']>();
  const progress: Progress[] = [];

  before(async () => {
    plantRepository(root);
    model = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 0 } });
    server = await startServer({ storage });
    server.editorState = {
      workspaceFolders: [root],
      openFiles: [],
      diagnostics: [
        {
          path: join(root, 'src/ui/widgets.ts'),
          range: { start: { line: 4, character: 2 }, end: { line: 4, character: 8 } },
          severity: 'error',
          message: "Type 'number' is not assignable to type 'string'.",
          source: 'ts',
        },
      ],
    };
    server.connection.onNotification(
      'textDocument/publishDiagnostics',
      (params: PublishDiagnosticsParams) => void published.set(params.uri, params.diagnostics),
    );
    server.connection.onNotification('$/progress', (params: Progress) => void progress.push(params));
    server.connection.onRequest('window/workDoneProgress/create', () => null);
  });
  after(async () => {
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  it('reviews the workspace folder with progress, writes the report and publishes the findings as Parley diagnostics', async () => {
    const result = await server.connection.sendRequest(ReviewRequest.type, { workDoneToken: 'review-1', staticOnly: true });
    assert.equal(result.summary.root, root);
    assert.ok(result.reportPath?.startsWith(storage.workspaceStoragePath), result.reportPath);
    const report = readFileSync(result.reportPath!, 'utf8');
    assert.equal(report, result.markdown);
    // Links are relative to the report, so the Markdown preview opens them from where it is.
    const link = /\]\(([^)]*src\/core\/registry\.ts)#L2\)/.exec(report)?.[1];
    assert.ok(link && existsSync(join(dirname(result.reportPath!), link)), link);

    const reported = progress.filter((p) => p.token === 'review-1').map((p) => p.value);
    assert.equal(reported[0]?.kind, 'begin');
    assert.equal(reported[0]?.cancellable, true);
    assert.ok(reported.some((v) => v.kind === 'report' && /Checking \d+ files/.test(v.message ?? '')));
    assert.equal(reported.at(-1)?.kind, 'end');

    const engine = await waitFor(() => published.get(pathToFileURL(join(root, 'src/core/engine.ts')).href), { what: 'diagnostics for the engine' });
    assert.ok(engine.every((d) => d.source === 'Parley'));
    const untested = engine.find((d) => d.code === 'untested')!;
    assert.equal(untested.severity, 2);
    assert.match(text(untested.message), /^Busy module without tests: src\/core\/engine\.ts\n.+Suggested fix: /s);
    const cycle = published.get(pathToFileURL(join(root, 'src/core/registry.ts')).href)!.find((d) => d.code === 'cycle')!;
    assert.equal(cycle.range.start.line, 1);
    assert.equal(cycle.relatedInformation?.[0]?.location.uri, pathToFileURL(join(root, 'src/ui/widgets.ts')).href);
    const widgets = published.get(pathToFileURL(join(root, 'src/ui/widgets.ts')).href)!;
    assert.ok(
      widgets.some((d) => d.code === 'diagnostics' && /1 error open in src\/ui\/widgets\.ts \(ts\)/.test(text(d.message))),
      "the editor's diagnostics are summed up",
    );
  });

  it('clears the previous findings of a file the next review no longer reports', async () => {
    const widgets = pathToFileURL(join(root, 'src/ui/widgets.ts')).href;
    server.editorState = { ...server.editorState, diagnostics: [] };
    await server.connection.sendRequest(ReviewRequest.type, { staticOnly: true, folder: root });
    await waitFor(() => published.get(widgets)?.every((d) => d.code !== 'diagnostics'), { what: 'the diagnostics summary to go' });
  });

  it('dismisses a finding from its quick fix: it leaves Problems and later reviews, and comes back when restored', async () => {
    const engineUri = pathToFileURL(join(root, 'src/core/engine.ts')).href;
    const untested = () => published.get(engineUri)?.find((d) => d.code === 'untested');
    const diagnostic = await waitFor(untested, { what: 'the untested finding' });
    const actions = (await server.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: engineUri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    })) as { title: string; command?: { command: string; arguments: [{ id: string; folder: string; title: string }] } }[];
    const dismiss = actions.find((action) => action.command?.command === 'parley.review.dismissFinding');
    assert.ok(dismiss, JSON.stringify(actions.map((action) => action.title)));
    assert.match(dismiss.title, /^Dismiss this finding \(not a problem\): Busy module without tests/);
    const args = dismiss.command!.arguments[0];
    assert.equal(args.folder, root);

    // What the extension's command sends.
    const after = await server.connection.sendRequest(ReviewDismissalsRequest.type, { action: 'dismiss', folder: args.folder, id: args.id });
    assert.deepEqual(
      after.dismissed.map((entry) => [entry.id, entry.file]),
      [[args.id, 'src/core/engine.ts']],
    );
    await waitFor(() => !untested() || undefined, { what: 'the dismissed finding to leave Problems' });
    const again = await server.connection.sendRequest(ReviewRequest.type, { staticOnly: true, folder: root });
    assert.equal(again.summary.dismissed, 1);
    assert.equal(
      again.findings.some((finding) => finding.id === args.id),
      false,
    );
    assert.match(again.markdown, /1 finding you dismissed for this repository is not shown/);
    assert.equal(untested(), undefined, 'still dismissed after a new review');

    // A server started afresh on the same storage keeps it dismissed.
    const second = await startServer({ storage });
    try {
      second.editorState = { workspaceFolders: [root], openFiles: [], diagnostics: [] };
      const fresh = await second.connection.sendRequest(ReviewRequest.type, { staticOnly: true, folder: root });
      assert.equal(fresh.summary.dismissed, 1);
    } finally {
      await second.stop();
    }

    const restored = await server.connection.sendRequest(ReviewDismissalsRequest.type, { action: 'restore', folder: root });
    assert.equal(restored.changed, 1);
    assert.deepEqual(restored.dismissed, []);
    await waitFor(untested, { what: 'the restored finding back in Problems' });
    await assert.rejects(
      server.connection.sendRequest(ReviewDismissalsRequest.type, { action: 'dismiss', folder: root, id: 'untested-000000000000' }),
      /is not in the latest review/,
    );
  });

  it('stops a review cancelled while the model is answering', async () => {
    await server.changeSettings({ ...structuredClone(DEFAULT_SETTINGS), llm: { provider: 'openai-compatible', model: 'slow', baseUrl: model.baseURL } });
    model.latency.ttfbMs = 60_000;
    const source = new CancellationTokenSource();
    const asked = model.requests.length;
    const review = server.connection.sendRequest(ReviewRequest.type, { folder: root }, source.token);
    await waitFor(() => model.requests.length > asked, { timeoutMs: 30_000, what: 'the first model request' });
    const started = Date.now();
    source.cancel();
    await assert.rejects(review, (error: Error & { code?: number }) => error.code === -32800 || /cancel/i.test(error.message));
    assert.ok(Date.now() - started < 10_000, 'the review stopped without waiting for the model');
  });
});
