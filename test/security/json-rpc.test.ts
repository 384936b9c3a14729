/**
 * JSON-RPC over stdio: what a client sends the built server (an unknown method, params of the
 * wrong shape, requests before `initialize`, garbage notifications, a burst) is answered or
 * refused, never crashes it, hangs it, or is taken for something it did not say. After each case
 * a plain `parley/status` request must still be answered.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc';
import {
  AskAboutFailureRequest,
  KbAddNoteRequest,
  KbAddRequest,
  KbAddTagRequest,
  KbTeamDocumentRequest,
  KbCorrectRequest,
  KbDocumentVisibilityRequest,
  KbRemoveSourceRequest,
  KbSearchRequest,
  KbSetVisibilityRequest,
  KbStatsRequest,
  KbSyncRequest,
  KbVoteRequest,
  LiveEndpointRequest,
  LogsAnalyzeRequest,
  LogsListRequest,
  NewSessionRequest,
  SessionsDeleteRequest,
  SessionsExportRequest,
  SessionsOpenRequest,
  SessionsSearchRequest,
  SpeechModelDownloadRequest,
  LiveRemoteOriginNotification,
  ReviewDismissalsRequest,
  ReviewRequest,
  StatusRequest,
  WorkspaceTrustNotification,
} from '../../protocol/lsp';
import { PARAMS } from '../../protocol/params';
import { DEFAULT_SETTINGS } from '../../protocol/settings';
import { tempDir } from '../support/paths';
import { initialize, startServer, type TestServer } from '../support/server';
import { startOpenAIStandIn, type OpenAIStandIn } from '../support/standins';

/** Sends a request as a hostile client would: any method, any params, unchecked by the types. */
function send(server: TestServer, method: string, params?: unknown): Promise<unknown> {
  return params === undefined ? server.connection.sendRequest(method) : server.connection.sendRequest(method, params);
}

/** `request` is answered with a JSON-RPC error response (not left unanswered, not a dead connection). */
async function assertErrorResponse(request: Promise<unknown>, what: string, code?: number): Promise<ResponseError<unknown>> {
  const settled = await request.then(
    (result) => ({ accepted: true as const, result }),
    (error: unknown) => ({ accepted: false as const, error }),
  );
  if (settled.accepted) assert.fail(`${what} was accepted: ${JSON.stringify(settled.result)?.slice(0, 300)}`);
  assert.ok(settled.error instanceof ResponseError, `${what} got no error response: ${String(settled.error)}`);
  if (code !== undefined) assert.equal(settled.error.code, code, what);
  return settled.error;
}

/** The server process is alive and answers a normal status request. */
async function assertAnswersStatus(server: TestServer): Promise<void> {
  assert.equal(server.process.exitCode, null, `the server exited: ${server.stderr()}`);
  const report = await server.connection.sendRequest(StatusRequest.type);
  assert.ok(report.versions.sqlite, 'the status report names the SQLite version');
}

describe('JSON-RPC (stdio)', { timeout: 180_000 }, () => {
  const dir = tempDir('security-rpc');
  const repo = join(dir.path, 'repo');
  let model: OpenAIStandIn;
  let server: TestServer;
  const storage = (name: string) => ({ globalStoragePath: join(dir.path, name, 'g'), workspaceStoragePath: join(dir.path, name, 'w') });

  before(async () => {
    mkdirSync(join(repo, 'src'), { recursive: true });
    writeFileSync(join(repo, 'src', 'main.ts'), 'export function main(): number {\n  return 1;\n}\n');
    // A model is configured, so a review that should have been static would show up as a request here.
    model = await startOpenAIStandIn({ defaultReply: { text: '{"findings": []}' } });
    server = await startServer({
      storage: storage('main'),
      settings: { ...structuredClone(DEFAULT_SETTINGS), llm: { provider: 'openai-compatible', model: 'm', baseUrl: model.baseURL } },
    });
    server.editorState = { workspaceFolders: [repo], openFiles: [], diagnostics: [] };
    server.connection.onRequest('window/workDoneProgress/create', () => null);
  });
  after(async () => {
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  it('an unknown method (parley/doesNotExist, workspace/executeCommand of `rm -rf /`) → error -32601 (method not found); the server keeps answering', async () => {
    await assertErrorResponse(send(server, 'parley/doesNotExist', { path: '/etc/passwd' }), 'parley/doesNotExist', ErrorCodes.MethodNotFound);
    await assertErrorResponse(
      send(server, 'workspace/executeCommand', { command: 'rm', arguments: ['-rf', '/'] }),
      'workspace/executeCommand',
      ErrorCodes.MethodNotFound,
    );
    await assertAnswersStatus(server);
  });

  it('parley/review with { staticOnly: "yes" } → an error response; no review runs and the model is not asked', async () => {
    const asked = model.requests.length;
    await assertErrorResponse(send(server, ReviewRequest.method, { folder: repo, staticOnly: 'yes' }), 'staticOnly "yes"');
    assert.equal(model.requests.length, asked, 'the model was asked for a review');
    await assertAnswersStatus(server);
  });

  it('parley/review with a number for the folder, null params, a file for the folder → an error response, not a crash; the model is not asked', async () => {
    const asked = model.requests.length;
    await assertErrorResponse(send(server, ReviewRequest.method, { folder: 42, staticOnly: true }), 'folder 42');
    await assertErrorResponse(send(server, ReviewRequest.method, null), 'null params');
    await assertErrorResponse(send(server, ReviewRequest.method, { folder: join(repo, 'src', 'main.ts'), staticOnly: true }), 'a file as the folder');
    assert.equal(model.requests.length, asked, 'the model was asked for a review');
    await assertAnswersStatus(server);
  });

  it('the knowledge-base requests with numbers, objects and arrays for text (kb/add, kb/addNote, kb/setVisibility) → error responses, nothing added', async () => {
    const documents = (await server.connection.sendRequest(KbStatsRequest.type)).documents;
    await assertErrorResponse(send(server, KbAddRequest.method, { path: 42 }), 'kb/add path 42');
    await assertErrorResponse(send(server, KbAddRequest.method, { path: ['/etc'] }), 'kb/add path ["/etc"]');
    await assertErrorResponse(send(server, KbAddNoteRequest.method, { title: 5, text: 'note' }), 'kb/addNote title 5');
    await assertErrorResponse(send(server, KbAddNoteRequest.method, { title: 'note', text: { toString: 'x' } }), 'kb/addNote text an object');
    const note = (await server.connection.sendRequest(KbAddNoteRequest.type, { title: 'Deploys', text: 'We deploy on Fridays.' })).path;
    await assertErrorResponse(send(server, KbSetVisibilityRequest.method, { path: note, visibility: 'everyone' }), 'kb/setVisibility "everyone"');
    await assertErrorResponse(send(server, KbSetVisibilityRequest.method, { path: note, visibility: 7 }), 'kb/setVisibility 7');
    const stats = await server.connection.sendRequest(KbStatsRequest.type);
    assert.equal(stats.documents, documents + 1, 'only the well-formed note was added');
    assert.deepEqual(stats.byVisibility, { private: documents + 1, shared: 0, public: 0 }, 'a visibility changed');
    await assertAnswersStatus(server);
  });

  it('parley/kb/removeSource with { sourceId: "abc" } → an error response', async () => {
    await assertErrorResponse(send(server, KbRemoveSourceRequest.method, { sourceId: 'abc' }), 'sourceId "abc"');
    await assertAnswersStatus(server);
  });

  it('every custom request with params of the wrong shape → InvalidParams (-32602) naming the method and what is wrong, not an internal error', async () => {
    const cases: [method: string, params: unknown, problem: RegExp][] = [
      [KbAddRequest.method, { path: 42 }, /^parley\/kb\/add: path: .*expected string/],
      [KbAddRequest.method, null, /^parley\/kb\/add: .*expected object, received null/],
      [KbAddNoteRequest.method, { title: 'note' }, /^parley\/kb\/addNote: text: .*expected string/],
      [KbSyncRequest.method, { workDoneToken: true }, /^parley\/kb\/sync: workDoneToken: is not a progress token/],
      [KbSetVisibilityRequest.method, { path: '/n.md', visibility: 'everyone' }, /^parley\/kb\/setVisibility: visibility: .*"private"\|"shared"\|"public"/],
      [KbRemoveSourceRequest.method, { sourceId: 'abc' }, /^parley\/kb\/removeSource: sourceId: .*expected number/],
      [KbRemoveSourceRequest.method, { sourceId: 1.5 }, /^parley\/kb\/removeSource: sourceId: .*expected int/],
      [ReviewRequest.method, { folder: repo, staticOnly: 'yes' }, /^parley\/review: staticOnly: .*expected boolean/],
      [ReviewRequest.method, { folder: 42 }, /^parley\/review: folder: .*expected string/],
      [ReviewDismissalsRequest.method, { action: 'forget', folder: repo }, /^parley\/reviewDismissals: action: /],
      [ReviewDismissalsRequest.method, { action: 'dismiss', folder: repo }, /^parley\/reviewDismissals: id: .*expected string/],
      [KbSearchRequest.method, { query: 'x'.repeat(2_001) }, /^parley\/kb\/search: query: Too big/],
      [KbSearchRequest.method, { query: 'deploys', k: 1_000 }, /^parley\/kb\/search: k: Too big/],
      [KbSearchRequest.method, { query: 'deploys', askModel: 'yes' }, /^parley\/kb\/search: askModel: .*expected boolean/],
      [KbVoteRequest.method, { chunkId: 1, vote: 2 }, /^parley\/kb\/vote: vote: /],
      [KbCorrectRequest.method, { chunkId: 0, text: 'x' }, /^parley\/kb\/correct: chunkId: Too small/],
      [KbAddTagRequest.method, { documentId: 1, tag: 5 }, /^parley\/kb\/addTag: tag: .*expected string/],
      [KbDocumentVisibilityRequest.method, { documentId: 1, visibility: 'everyone' }, /^parley\/kb\/documentVisibility: visibility: /],
      [KbTeamDocumentRequest.method, { documentId: '../1' }, /^parley\/kb\/teamDocument: documentId: .*expected number/],
      [AskAboutFailureRequest.method, { kind: 'task', name: 'test', output: 'x'.repeat(40_000) }, /^parley\/askAboutFailure: output: Too big/],
      [AskAboutFailureRequest.method, { kind: 'approve', name: 'test' }, /^parley\/askAboutFailure: kind: /],
      [LogsListRequest.method, { dir: ['/root/.claude'] }, /^parley\/logs\/list: dir: .*expected string/],
      [LogsAnalyzeRequest.method, { file: '' }, /^parley\/logs\/analyze: file: must be a path/],
      [LogsAnalyzeRequest.method, {}, /^parley\/logs\/analyze: file: .*expected string/],
      [NewSessionRequest.method, { type: 'party' }, /^parley\/session\/new: type: /],
      [NewSessionRequest.method, { type: 'log-analysis', transcript: 7 }, /^parley\/session\/new: transcript: .*expected string/],
      [SessionsSearchRequest.method, { text: { $ne: '' } }, /^parley\/sessions\/search: text: .*expected string/],
      [SessionsSearchRequest.method, { text: 'x', limit: 10_000 }, /^parley\/sessions\/search: limit: Too big/],
      [SessionsOpenRequest.method, { id: '' }, /^parley\/sessions\/open: id: Too small/],
      [SessionsExportRequest.method, { id: 'a', format: 'html' }, /^parley\/sessions\/export: format: /],
      [SessionsDeleteRequest.method, { id: ['a'] }, /^parley\/sessions\/delete: id: .*expected string/],
      [SpeechModelDownloadRequest.method, { name: { $ne: '' } }, /^parley\/speechModels\/download: name: .*expected string/],
      [SpeechModelDownloadRequest.method, { name: 'x'.repeat(500) }, /^parley\/speechModels\/download: name: Too big/],
      [KbSearchRequest.method, { query: 'x', team: 'everyone' }, /^parley\/kb\/search: team: /],
      [KbVoteRequest.method, { chunkId: 1, vote: 1, team: 'yes' }, /^parley\/kb\/vote: team: .*expected boolean/],
    ];
    const notifications: string[] = [WorkspaceTrustNotification.method, LiveRemoteOriginNotification.method];
    const requests = Object.keys(PARAMS).filter((method) => !notifications.includes(method));
    assert.deepEqual(
      requests.filter((method) => !cases.some(([tried]) => tried === method)),
      [],
      'every request with params has a case here',
    );
    for (const [method, params, problem] of cases) {
      const error = await assertErrorResponse(send(server, method, params), `${method} ${JSON.stringify(params)}`, ErrorCodes.InvalidParams);
      assert.match(error.message, problem, `${method} ${JSON.stringify(params)}`);
    }
    await assertAnswersStatus(server);
  });

  it('`initialize` with options of the wrong shape → InvalidParams naming the option; a well-formed one then works', async () => {
    const early = await startServer({ storage: storage('bad-options'), initialize: false });
    try {
      const error = await assertErrorResponse(
        early.connection.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {}, initializationOptions: { globalStoragePath: 7 } }),
        'initialize',
        ErrorCodes.InvalidParams,
      );
      assert.match(error.message, /^initializationOptions: globalStoragePath: .*expected string/);
      await initialize(early, storage('bad-options'));
      await assertAnswersStatus(early);
    } finally {
      await early.stop();
    }
  });

  it('1,000 requests in one burst (status, knowledge-base figures, unknown methods) → every one answered or refused; the server answers after', async () => {
    const methods = [StatusRequest.method, KbStatsRequest.method, 'parley/doesNotExist', LiveEndpointRequest.method];
    const requests = Array.from({ length: 1_000 }, (_, index) => send(server, methods[index % methods.length]!));
    const settled = await Promise.allSettled(requests);
    const answered = settled.filter((outcome) => outcome.status === 'fulfilled').length;
    const refused = settled.filter(
      (outcome) => outcome.status === 'rejected' && outcome.reason instanceof ResponseError && outcome.reason.code === ErrorCodes.MethodNotFound,
    ).length;
    assert.deepEqual({ answered, refused }, { answered: 750, refused: 250 });
    await assertAnswersStatus(server);
  });

  it('requests before `initialize` (parley/status, parley/liveEndpoint, parley/review) → error responses and no live token; `initialize` then works', async () => {
    const early = await startServer({ storage: storage('early'), initialize: false });
    try {
      await assertErrorResponse(send(early, StatusRequest.method), 'parley/status before initialize');
      const endpoint = await assertErrorResponse(send(early, LiveEndpointRequest.method), 'parley/liveEndpoint before initialize');
      assert.doesNotMatch(JSON.stringify(endpoint), /ws:\/\//, 'a live endpoint was handed out');
      await assertErrorResponse(send(early, ReviewRequest.method, { folder: repo, staticOnly: true }), 'parley/review before initialize');
      assert.equal(early.process.exitCode, null, `the server exited: ${early.stderr()}`);
      await initialize(early, storage('early'));
      await assertAnswersStatus(early);
    } finally {
      await early.stop();
    }
  });

  it('notifications with garbage params (parley/workspaceTrust null, a string, { trusted: "yes" }, { trusted: 1 }; didChangeConfiguration 17; an unknown one) → ignored: an untrusted workspace stays untrusted, the server answers', async () => {
    const untrusted = await startServer({ storage: storage('untrusted'), trusted: false });
    try {
      untrusted.editorState = { workspaceFolders: [repo], openFiles: [], diagnostics: [] };
      untrusted.connection.onRequest('window/workDoneProgress/create', () => null);
      const notify = (method: string, params: unknown) => untrusted.connection.sendNotification(method, params);
      for (const params of [null, 'garbage', { trusted: 'yes' }, { trusted: 1 }, [true], { trusted: { valueOf: true } }])
        await notify(WorkspaceTrustNotification.method, params);
      await notify('workspace/didChangeConfiguration', 17);
      await notify('parley/doesNotExist', { a: [1, { b: null }] });
      // Messages are handled in order, so this review runs after every notification above.
      const review = await untrusted.connection.sendRequest(ReviewRequest.type, { folder: repo, staticOnly: true });
      assert.equal(review.summary.gitWithheld, true, 'a garbage notification made the workspace trusted');
      await assertAnswersStatus(untrusted);
      // The well-formed notification is still heard: the check above would see a change of trust.
      await notify(WorkspaceTrustNotification.method, { trusted: true });
      assert.equal((await untrusted.connection.sendRequest(ReviewRequest.type, { folder: repo, staticOnly: true })).summary.gitWithheld, false);
    } finally {
      await untrusted.stop();
    }
  });
});
