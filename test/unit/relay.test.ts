/**
 * The sidebar's relay (extension/views/relay.ts) between the sidebar's JSON-RPC connection and a
 * language client stand-in that records what it is asked: a search the sidebar cancels is
 * cancelled at the server, a view that goes away cancels what it asked, only the sidebar's own
 * requests go through, the server's figures reach the sidebar, and errors keep their message.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { CancellationTokenSource, ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver-protocol';
import type { KbStats } from '../../protocol/knowledge';
import { KbAddRequest, KbSearchRequest, KbStatsNotification, KbStatsRequest } from '../../protocol/lsp';
import { waitFor } from '../support/poll';
import { connectSidebar } from '../support/sidebar';

interface Call {
  method: string;
  params: unknown;
  token: CancellationToken;
}

/** A language client whose requests wait until the test answers them, or until they are cancelled. */
function standIn() {
  const calls: Call[] = [];
  const answers = new Map<Call, (result: unknown) => void>();
  const stats = new EventEmitter();
  let failure: Error | undefined;
  const client = {
    sendRequest(method: string, ...rest: unknown[]): Promise<unknown> {
      if (failure) return Promise.reject(failure);
      const token = rest.at(-1) as CancellationToken;
      const call: Call = { method, params: rest.length > 1 ? rest[0] : undefined, token };
      calls.push(call);
      return new Promise((resolve, reject) => {
        answers.set(call, resolve);
        token.onCancellationRequested(() => reject(new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled')));
      });
    },
  };
  return {
    calls,
    answer: (call: Call, result: unknown) => answers.get(call)!(result),
    fail: (error: Error) => (failure = error),
    sendStats: (figures: KbStats) => stats.emit('stats', figures),
    server: {
      client: () => Promise.resolve(client),
      onStats: (listener: (figures: KbStats) => void) => {
        stats.on('stats', listener);
        return { dispose: () => stats.off('stats', listener) };
      },
    },
  };
}

const QUERY = { query: 'docker', k: 20, prefix: true };

describe('the sidebar relay', () => {
  it('forwards a search with its parameters and hands back the passages', async () => {
    const server = standIn();
    const sidebar = connectSidebar(server.server);
    const answer = sidebar.rpc.sendRequest(KbSearchRequest.type, QUERY);
    const call = await waitFor(() => server.calls[0], { what: 'the forwarded search' });
    assert.deepEqual([call.method, call.params], [KbSearchRequest.method, QUERY]);
    server.answer(call, { passages: [], tookMs: 3 });
    assert.deepEqual(await answer, { passages: [], tookMs: 3 });
    sidebar.dispose();
  });

  it('cancels at the server a search the sidebar cancelled, and the sidebar gets no passages from it', async () => {
    const server = standIn();
    const sidebar = connectSidebar(server.server);
    const older = new CancellationTokenSource();
    const first = sidebar.rpc.sendRequest(KbSearchRequest.type, QUERY, older.token).catch((error: unknown) => error);
    const second = sidebar.rpc.sendRequest(KbSearchRequest.type, { ...QUERY, query: 'docker build' });
    await waitFor(() => server.calls.length === 2, { what: 'both searches at the server' });
    older.cancel();
    await waitFor(() => server.calls[0]!.token.isCancellationRequested, { what: 'the older search to be cancelled at the server' });
    assert.equal(((await first) as ResponseError<unknown>).code, LSPErrorCodes.RequestCancelled);
    assert.equal(server.calls[1]!.token.isCancellationRequested, false, 'the newer search goes on');
    server.answer(server.calls[1]!, { passages: [], tookMs: 1 });
    assert.deepEqual(await second, { passages: [], tookMs: 1 });
    sidebar.dispose();
  });

  it('cancels what a view asked when the view goes away', async () => {
    const server = standIn();
    const sidebar = connectSidebar(server.server);
    void sidebar.rpc.sendRequest(KbSearchRequest.type, QUERY).catch(() => undefined);
    const call = await waitFor(() => server.calls[0], { what: 'the forwarded search' });
    sidebar.dispose();
    assert.equal(call.token.isCancellationRequested, true);
  });

  it('refuses a request that is not one of the sidebar’s, without asking the server', async () => {
    const server = standIn();
    const sidebar = connectSidebar(server.server);
    await assert.rejects(
      sidebar.rpc.sendRequest(KbAddRequest.type, { path: '/etc' }),
      (error: ResponseError<unknown>) => error.code === ErrorCodes.MethodNotFound,
    );
    assert.deepEqual(server.calls, []);
    sidebar.dispose();
  });

  it('forwards a request without parameters without any, and says why when the server is not running', async () => {
    const server = standIn();
    const sidebar = connectSidebar(server.server);
    const stats = sidebar.rpc.sendRequest(KbStatsRequest.type);
    const call = await waitFor(() => server.calls[0], { what: 'the forwarded stats request' });
    assert.equal(call.params, undefined);
    server.answer(call, { documents: 1 });
    assert.deepEqual(await stats, { documents: 1 });
    server.fail(new Error('The Parley server is not running.'));
    await assert.rejects(sidebar.rpc.sendRequest(KbStatsRequest.type), { message: 'The Parley server is not running.' });
    sidebar.dispose();
  });

  it("hands the server's figures to the sidebar until the view goes away", async () => {
    const server = standIn();
    const sidebar = connectSidebar(server.server);
    const seen: number[] = [];
    sidebar.rpc.onNotification(KbStatsNotification.type, (stats) => void seen.push(stats.documents));
    server.sendStats({ documents: 7 } as KbStats);
    await waitFor(() => seen.length === 1, { what: 'the figures in the sidebar' });
    sidebar.dispose();
    server.sendStats({ documents: 8 } as KbStats);
    assert.deepEqual(seen, [7]);
  });
});
