/**
 * The knowledge base with a team hub, through the real servers over stdio and a real hub on
 * PostgreSQL (scripts/pg-env.sh): two users of one team, each with their own Parley server and
 * knowledge base. Alice's shared note goes to the hub by itself and Bob finds it in his Team and
 * Both searches with her name and its quality; his vote and correction go to the hub; her private
 * note never leaves her machine; made private, the shared one leaves the hub. Another team sees
 * none of it. With the hub down, or without a token, local search goes on and says so.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KbPassage, KbSearchAnswer } from '../../protocol/knowledge';
import {
  KbAddRequest,
  KbCorrectRequest,
  KbRemoveSourceRequest,
  KbSearchRequest,
  KbSetVisibilityRequest,
  KbStatsRequest,
  KbSyncRequest,
  KbTeamDocumentRequest,
  KbTeamStatsRequest,
  KbVoteRequest,
} from '../../protocol/lsp';
import { DEFAULT_SETTINGS } from '../../protocol/settings';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startServer, type TestServer } from '../support/server';
import { addTestUser, freshDatabase, testHub, type TestDatabase } from './hub/support';
import type { RunningHub } from '../../server/hub/server';

describe('the knowledge base with a team hub', { timeout: 180_000 }, () => {
  const dir = tempDir('kb-team-hub');
  let database: TestDatabase;
  let hub: RunningHub;
  const servers: TestServer[] = [];
  let alice: TestServer;
  let bob: TestServer;
  let eve: TestServer;
  const vault = (who: string) => join(dir.path, who, 'vault');

  async function userServer(who: string, token: string | undefined, notes: Record<string, string>): Promise<TestServer> {
    mkdirSync(vault(who), { recursive: true });
    for (const [name, text] of Object.entries(notes)) writeFileSync(join(vault(who), name), text);
    const server = await startServer({
      storage: { globalStoragePath: join(dir.path, who, 'g'), workspaceStoragePath: join(dir.path, who, 'w') },
      env: { PATH: process.env.PATH, ...(token ? { PARLEY_HUB_TOKEN: token } : {}) },
      settings: { ...structuredClone(DEFAULT_SETTINGS), hub: { url: hub.url } },
    });
    servers.push(server);
    await server.connection.sendRequest(KbAddRequest.type, { path: vault(who) });
    return server;
  }

  const search = (server: TestServer, query: string, team: 'mine' | 'team' | 'both'): Promise<KbSearchAnswer> =>
    server.connection.sendRequest(KbSearchRequest.type, { query, k: 10, team });
  const titles = (passages: KbPassage[]) => [...new Set(passages.map((passage) => passage.title))];

  before(async () => {
    database = await freshDatabase('editor');
    hub = await testHub(database.url);
    const [a, b, e] = [
      await addTestUser(database.url, 'alice', 'core', { credit: true }),
      await addTestUser(database.url, 'bob', 'core'),
      await addTestUser(database.url, 'eve', 'other'),
    ];
    alice = await userServer('alice', a.token, {
      'Deploy.md': '# Deploy\n\nTo deploy the gateway, run the blue-green switch and watch the canary dashboard for ten minutes.\n',
      'Salaries.md': '# Salaries\n\nThe gateway team salaries spreadsheet lives in the finance drive.\n',
    });
    await alice.connection.sendRequest(KbSetVisibilityRequest.type, { path: join(vault('alice'), 'Deploy.md'), visibility: 'shared' });
    bob = await userServer('bob', b.token, { 'Canary.md': '# Canary\n\nThe canary dashboard shows the gateway error rate per region.\n' });
    eve = await userServer('eve', e.token, {});
  });

  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await hub?.close();
    await database?.drop();
    dir.cleanup();
  });

  it("finds a teammate's shared note in Team and Both, with who wrote it and its quality; never a private one", async () => {
    const team = await waitFor(
      async () => {
        const answer = await search(bob, 'deploy gateway blue-green canary', 'team');
        return answer.passages.length > 0 && answer;
      },
      { timeoutMs: 30_000, what: "alice's shared note on the hub" },
    );
    assert.deepEqual(team.team, { state: 'searched', passages: team.passages.length });
    assert.deepEqual(titles(team.passages), ['Deploy']);
    assert.deepEqual(team.passages[0]!.team, { contributor: 'alice', mine: false });
    assert.equal(team.passages[0]!.quality, 0.5, 'nobody voted yet');
    const salaries = await search(bob, 'salaries spreadsheet finance', 'team');
    assert.deepEqual(salaries.passages, [], 'a private note never reaches the hub');

    const both = await search(bob, 'canary dashboard gateway', 'both');
    assert.deepEqual(titles(both.passages).sort(), ['Canary', 'Deploy']);
    assert.equal(both.passages.find((passage) => passage.title === 'Canary')!.team, undefined, "Bob's own note is his local one");
    const mine = await search(bob, 'deploy gateway blue-green', 'mine');
    assert.ok(
      mine.passages.every((passage) => passage.team === undefined && passage.title !== 'Deploy'),
      'Mine is his own notes only',
    );
    assert.deepEqual(mine.team, { state: 'connected' });
  });

  it('shows the user their own shared note once, from their own knowledge base', async () => {
    const both = await search(alice, 'deploy gateway blue-green', 'both');
    assert.equal(both.passages.filter((passage) => passage.title === 'Deploy').length, 1);
    assert.equal(
      both.passages.every((passage) => passage.team === undefined),
      true,
    );
  });

  it('sends votes and corrections on a team passage to the hub, where the team sees them', async () => {
    const [passage] = (await search(bob, 'deploy gateway blue-green', 'team')).passages;
    const voted = await bob.connection.sendRequest(KbVoteRequest.type, { chunkId: passage!.chunkId, vote: 1, team: true });
    assert.deepEqual([voted.up, voted.down], [1, 0]);
    assert.ok(voted.quality > 0.5);
    const corrected = await bob.connection.sendRequest(KbCorrectRequest.type, {
      chunkId: passage!.chunkId,
      text: 'Watch the canary for fifteen minutes.',
      team: true,
    });
    assert.equal(corrected.text, 'Watch the canary for fifteen minutes.');
    const again = (await search(bob, 'deploy gateway blue-green', 'team')).passages[0]!;
    assert.deepEqual(again.votes, { up: 1, down: 0 });
    assert.equal(again.correction?.text, 'Watch the canary for fifteen minutes.');
    const team = await bob.connection.sendRequest(KbTeamStatsRequest.type);
    assert.ok('stats' in team, JSON.stringify(team));
    assert.deepEqual([team.stats.team, team.stats.documents, team.stats.votes, team.stats.corrections], ['core', 1, 1, 1]);
    assert.deepEqual(team.stats.topContributors, [{ name: 'alice', documents: 1 }]);
  });

  it("opens a teammate's shared note whole, as she wrote it, and never another team's", async () => {
    const [passage] = (await search(bob, 'deploy gateway blue-green', 'team')).passages;
    const note = await bob.connection.sendRequest(KbTeamDocumentRequest.type, { documentId: passage!.documentId });
    assert.equal(note.content, '# Deploy\n\nTo deploy the gateway, run the blue-green switch and watch the canary dashboard for ten minutes.\n');
    assert.deepEqual([note.path, note.contributor, note.mine, note.fromPassages], ['Deploy.md', 'alice', false, false]);
    await assert.rejects(eve.connection.sendRequest(KbTeamDocumentRequest.type, { documentId: passage!.documentId }), /Document \d+ was not found/);
  });

  it("shows another team nothing of this team's notes", async () => {
    const answer = await search(eve, 'deploy gateway blue-green canary', 'team');
    assert.deepEqual(answer.passages, []);
    assert.equal(answer.team?.state, 'searched');
  });

  it('takes a note made private off the hub at once, and it no longer opens', async () => {
    const [passage] = (await search(bob, 'deploy gateway blue-green', 'team')).passages;
    await alice.connection.sendRequest(KbSetVisibilityRequest.type, { path: join(vault('alice'), 'Deploy.md'), visibility: 'private' });
    await waitFor(async () => (await search(bob, 'deploy gateway blue-green canary', 'team')).passages.length === 0, {
      timeoutMs: 30_000,
      what: 'the note to leave the hub',
    });
    await assert.rejects(bob.connection.sendRequest(KbTeamDocumentRequest.type, { documentId: passage!.documentId }), /was not found/);
  });

  it('takes a shared note off the hub when its file is deleted, and when its folder leaves the knowledge base', async () => {
    const teamTitles = async (query: string) => titles((await search(alice, query, 'team')).passages);
    writeFileSync(join(vault('bob'), 'Pager.md'), '# Pager\n\nThe pager rotation changes every monday at nine.\n');
    await bob.connection.sendRequest(KbSyncRequest.type, {});
    await bob.connection.sendRequest(KbSetVisibilityRequest.type, { path: join(vault('bob'), 'Pager.md'), visibility: 'shared' });
    await bob.connection.sendRequest(KbSetVisibilityRequest.type, { path: join(vault('bob'), 'Canary.md'), visibility: 'shared' });
    await waitFor(async () => (await teamTitles('pager rotation canary dashboard')).length === 2, { timeoutMs: 30_000, what: "bob's two notes on the hub" });
    rmSync(join(vault('bob'), 'Pager.md'));
    await waitFor(async () => !(await teamTitles('pager rotation monday')).includes('Pager'), { timeoutMs: 30_000, what: 'the deleted note to leave the hub' });
    const [source] = (await bob.connection.sendRequest(KbStatsRequest.type)).sources;
    await bob.connection.sendRequest(KbRemoveSourceRequest.type, { sourceId: source!.id });
    await waitFor(async () => (await teamTitles('canary dashboard gateway')).length === 0, { timeoutMs: 30_000, what: 'the removed folder to leave the hub' });
    // Added again, its notes are private until shared.
    await bob.connection.sendRequest(KbAddRequest.type, { path: vault('bob') });
  });

  it('without a token, searches the own notes and says to connect', async () => {
    const anonymous = await userServer('carol', undefined, { 'Notes.md': '# Notes\n\nThe gateway timeout is thirty seconds.\n' });
    const answer = await search(anonymous, 'gateway timeout', 'both');
    assert.deepEqual(titles(answer.passages), ['Notes']);
    assert.equal(answer.team?.state, 'unavailable');
    assert.match((answer.team as { reason: string }).reason, /no token for the team hub yet: run Parley: Connect to Team Hub/);
    assert.match(JSON.stringify(await anonymous.connection.sendRequest(KbTeamStatsRequest.type)), /"unavailable":"no token for the team hub yet/);
  });

  it('with the hub down, local search goes on and says the team part is unavailable', async () => {
    await hub.close();
    const answer = await search(bob, 'canary dashboard gateway', 'both');
    assert.deepEqual(titles(answer.passages), ['Canary']);
    assert.equal(answer.team?.state, 'unavailable');
    assert.match((answer.team as { reason: string }).reason, /team hub at http:\/\/127\.0\.0\.1:\d+ cannot be reached/);
    await assert.rejects(bob.connection.sendRequest(KbVoteRequest.type, { chunkId: 1, vote: 1, team: true }), /cannot be reached/);
  });
});
