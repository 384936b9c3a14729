/**
 * Knowledge-base scopes: a note is private until the user shares it, and a search limited to
 * shared content shows nothing of a private note — not its text, title or path, not a correction
 * or a vote given on it — whatever the query says and whatever the note's own text claims.
 * Driven through the built server over stdio as the extension drives it: notes are added and
 * scoped with the LSP requests, and searched, voted on and corrected with the sidebar's requests,
 * which the extension's relay forwards over LSP.
 */
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KbPassage, KbSearchFilters, Visibility } from '../../protocol/knowledge';
import { ResponseError } from 'vscode-languageserver-protocol';
import {
  KbAddRequest,
  KbCorrectRequest,
  KbDocumentVisibilityRequest,
  KbSearchRequest,
  KbSetVisibilityRequest,
  KbStatsRequest,
  KbSyncRequest,
  KbVoteRequest,
} from '../../protocol/lsp';
import { DEFAULT_SETTINGS } from '../../protocol/settings';
import type { ToolCallRecord } from '../../protocol/session';
import { connectLive, type LiveClient } from '../support/live';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startModelServer, startServer, type TestServer } from '../support/server';
import { sidebarOf, type Sidebar } from '../support/sidebar';
import { startOpenAIStandIn, type OpenAIStandIn } from '../support/standins';

/** What the sidebar's "shared only" search sends. */
const SHARED_ONLY: KbSearchFilters = { visibility: ['shared', 'public'] };

type Answer = { passages: KbPassage[] } | { error: string };

/** What of a private note must never reach a shared-only result. */
interface Secret {
  paths: string[];
  /** Words found only in the private notes (their text, titles, aliases, headings, file names, corrections). */
  words: string[];
}

/** A search from the sidebar box, with its passages or the server's error; a failure to get an answer fails the test. */
async function send(sidebar: Sidebar, query: string, filters?: KbSearchFilters): Promise<Answer> {
  try {
    return { passages: (await sidebar.rpc.sendRequest(KbSearchRequest.type, { query, k: 100, prefix: true, ...(filters ? { filters } : {}) })).passages };
  } catch (error) {
    if (!(error instanceof ResponseError)) throw error;
    return { error: error.message };
  }
}

async function search(sidebar: Sidebar, query: string, filters?: KbSearchFilters): Promise<KbPassage[]> {
  const answer = await send(sidebar, query, filters);
  if ('error' in answer) assert.fail(`kb search failed: ${answer.error}`);
  return answer.passages;
}

/** Writes notes (relative path → text) under `folder`. */
function plant(folder: string, notes: Record<string, string>): void {
  for (const [name, text] of Object.entries(notes)) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), text);
  }
}

/** Moves a file's modification time ahead, so a sync sees the edit even within the same millisecond. */
function later(path: string): void {
  const future = new Date(Date.now() + 5_000);
  utimesSync(path, future, future);
}

async function addFolder(server: TestServer, folder: string, notes: number): Promise<void> {
  const result = await server.connection.sendRequest(KbAddRequest.type, { path: folder });
  assert.equal(result.indexed, notes, `indexed ${folder}: ${JSON.stringify(result.skipped)}`);
}

async function setVisibility(server: TestServer, path: string, visibility: Visibility): Promise<void> {
  await server.connection.sendRequest(KbSetVisibilityRequest.type, { path, visibility });
}

function passageOf(passages: KbPassage[], relPath: string): KbPassage {
  const found = passages.find((p) => p.relPath === relPath);
  assert.ok(found, `${relPath} is among the results (${passages.map((p) => p.relPath).join(', ') || 'none'})`);
  return found;
}

/** No passage of a private note, and none of its words, in what a shared-only search returned. */
function assertNothingOf(passages: KbPassage[], secret: Secret, what: string): void {
  const leaked = passages.filter((p) => secret.paths.includes(p.path) || p.visibility === 'private');
  assert.deepEqual(
    leaked.map((p) => `${p.relPath} (${p.visibility})`),
    [],
    `${what}: a private passage was returned`,
  );
  const shown = JSON.stringify(passages).toLowerCase();
  for (const word of secret.words) assert.ok(!shown.includes(word.toLowerCase()), `${what}: "${word}" appears in the results`);
}

describe('knowledge-base scopes', { timeout: 300_000 }, () => {
  const dir = tempDir('security-kb');
  let model: OpenAIStandIn;
  let server: TestServer;
  let client: LiveClient;
  let sidebar: Sidebar;

  before(async () => {
    model = await startOpenAIStandIn();
    server = await startModelServer(dir.path, model.baseURL);
    client = await connectLive(server);
    sidebar = sidebarOf(server);
  });
  after(async () => {
    sidebar.dispose();
    client.socket.close();
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  it("a private note's text, title, alias, heading, file name and path searched with a shared-only scope (with folder and tag filters too, and with 650 private passages crowding the top) → no passage, snippet, title or path of a private note comes back", async () => {
    const folder = join(dir.path, 'alone');
    plant(folder, {
      'Escrow.md':
        '---\ntitle: Zephyrine Escrow\naliases: [Marlowe Ledger]\ntags: [finance]\n---\n# Zephyrine Escrow\n\n## Wire instructions\n\nThe zephyrine escrow account takes wires through Quillon Bank, reference 4417-XK.\n',
      'Census.md':
        ['# Census', ...Array.from({ length: 650 }, (_, i) => `## Count ${i + 1}\n\nQuokka census ${i + 1}: the zephyrine ponds held ${i + 3} animals.`)].join(
          '\n\n',
        ) + '\n',
      'Roadmap.md': '# Roadmap\n\nThe escrow feature ships in the autumn release through our bank partner. #finance\n',
      'Wildlife.md': '# Wildlife\n\nQuokka sightings go to the island rangers.\n',
    });
    await addFolder(server, folder, 4);
    await setVisibility(server, join(folder, 'Roadmap.md'), 'shared');
    await setVisibility(server, join(folder, 'Wildlife.md'), 'public');
    const escrow = join(folder, 'Escrow.md');
    const secret: Secret = {
      paths: [escrow, join(folder, 'Census.md')],
      words: ['zephyrine', 'quillon', 'marlowe', '4417', 'wire instructions', 'escrow.md', 'census'],
    };
    // The private notes are there to be found, and a shared-only search does find shared notes.
    assert.equal((await search(sidebar, 'zephyrine escrow wires'))[0]?.path, escrow);
    // Private passages fill the top of the ranking, so the shared-only search must look past them.
    assert.ok((await search(sidebar, 'quokka census')).filter((p) => p.relPath === 'Census.md').length >= 99, 'the crowd of private passages ranks first');
    assert.deepEqual(
      (await search(sidebar, 'escrow bank', SHARED_ONLY)).map((p) => p.relPath),
      ['Roadmap.md'],
    );
    assert.deepEqual(
      (await search(sidebar, 'quokka census', SHARED_ONLY)).map((p) => p.relPath),
      ['Wildlife.md'],
    );
    const queries = [
      'The zephyrine escrow account takes wires through Quillon Bank, reference 4417-XK.',
      'Zephyrine Escrow',
      'Marlowe Ledger',
      'Wire instructions',
      'Escrow',
      'Escrow.md',
      escrow,
      'quillon 4417',
      'quokka census zephyrine ponds',
      'zeph',
    ];
    const scopes: KbSearchFilters[] = [
      SHARED_ONLY,
      { visibility: ['shared'] },
      { visibility: ['public'] },
      { ...SHARED_ONLY, folder },
      { ...SHARED_ONLY, tag: 'finance' },
    ];
    for (const filters of scopes) {
      for (const query of queries) assertNothingOf(await search(sidebar, query, filters), secret, `"${query}" with ${JSON.stringify(filters)}`);
    }
  });

  it("a correction written on a private note's paragraph that a shared note holds word for word → no shared-only search shows it or finds the shared note by it, and an unrestricted search shows the shared note's passage without it (also after both notes are re-indexed)", async () => {
    const folder = join(dir.path, 'corrected');
    const paragraph = 'The billing cluster fails over to the standby region when the primary stops answering.';
    const correction = 'Ask Pellucida on call for the failover passphrase tangerine-88.';
    plant(folder, { 'Own Runbook.md': `# Own Runbook\n\n${paragraph}\n`, 'Team Runbook.md': `# Team Runbook\n\n${paragraph}\n` });
    await addFolder(server, folder, 2);
    await setVisibility(server, join(folder, 'Team Runbook.md'), 'shared');
    const own = passageOf(await search(sidebar, paragraph), 'Own Runbook.md');
    const corrected = await sidebar.rpc.sendRequest(KbCorrectRequest.type, { chunkId: own.chunkId, text: correction });
    assert.equal(corrected.version, 1);
    assert.equal(
      passageOf(await search(sidebar, 'pellucida tangerine'), 'Own Runbook.md').correction?.text,
      correction,
      'the correction is searchable with its own note',
    );
    const secret: Secret = { paths: [join(folder, 'Own Runbook.md')], words: ['pellucida', 'tangerine', 'passphrase'] };
    const check = async (when: string) => {
      for (const query of [paragraph, 'pellucida tangerine passphrase', `${paragraph} ${correction}`]) {
        const shared = await search(sidebar, query, SHARED_ONLY);
        assertNothingOf(shared, secret, `${when}: shared-only "${query}"`);
        assert.deepEqual(
          shared.filter((p) => p.correction !== undefined).map((p) => p.relPath),
          [],
          `${when}: a shared-only result carries a correction`,
        );
      }
      assert.deepEqual(
        (await search(sidebar, 'pellucida tangerine', SHARED_ONLY)).map((p) => p.relPath),
        [],
        `${when}: the private correction finds the shared note`,
      );
      assert.equal(passageOf(await search(sidebar, paragraph, SHARED_ONLY), 'Team Runbook.md').correction, undefined);
      const everything = await search(sidebar, paragraph);
      const team = passageOf(everything, 'Team Runbook.md');
      assert.equal(team.correction, undefined, `${when}: the shared note's passage shows the private correction`);
      assert.ok(!JSON.stringify(team).toLowerCase().includes('pellucida'), `${when}: the shared note's passage mentions the correction`);
      assert.equal(passageOf(everything, 'Own Runbook.md').correction?.text, correction, `${when}: the private note keeps its correction`);
    };
    await check('at once');
    plant(folder, {
      'Own Runbook.md': `# Own Runbook\n\n${paragraph}\n\n## Pager\n\nKeep the runbook by the pager.\n`,
      'Team Runbook.md': `# Team Runbook\n\n${paragraph}\n\n## Escalation\n\nEscalate to the platform lead.\n`,
    });
    for (const name of ['Own Runbook.md', 'Team Runbook.md']) later(join(folder, name));
    await server.connection.sendRequest(KbSyncRequest.type, {});
    assert.equal(passageOf(await search(sidebar, 'escalate platform lead'), 'Team Runbook.md').heading, 'Escalation', 'the shared note was re-indexed');
    assert.equal(passageOf(await search(sidebar, 'runbook pager'), 'Own Runbook.md').heading, 'Pager', 'the private note was re-indexed');
    await check('after re-indexing');
  });

  it("votes on a private note's copy of a paragraph (5 helpful, then 10 not helpful) → the shared copy's quality, votes and score stay as they were, in shared-only and unrestricted searches", async () => {
    const folder = join(dir.path, 'voted');
    const paragraph = 'Rotate the signing certificates of the payment gateway before the quarterly audit.';
    plant(folder, { 'Own Checklist.md': `# Own Checklist\n\n${paragraph}\n`, 'Team Checklist.md': `# Team Checklist\n\n${paragraph}\n` });
    await addFolder(server, folder, 2);
    await setVisibility(server, join(folder, 'Team Checklist.md'), 'shared');
    const ranking = ({ score, quality, votes }: KbPassage) => ({ score, quality, votes });
    const view = async () => {
      const everything = await search(sidebar, paragraph);
      return {
        sharedOnly: ranking(passageOf(await search(sidebar, paragraph, SHARED_ONLY), 'Team Checklist.md')),
        unrestricted: ranking(passageOf(everything, 'Team Checklist.md')),
        own: passageOf(everything, 'Own Checklist.md'),
      };
    };
    const start = await view();
    assert.deepEqual([start.sharedOnly.quality, start.sharedOnly.votes], [0.5, { up: 0, down: 0 }]);
    for (let i = 0; i < 5; i++) await sidebar.rpc.sendRequest(KbVoteRequest.type, { chunkId: start.own.chunkId, vote: 1 });
    const upvoted = await view();
    assert.deepEqual(upvoted.own.votes, { up: 5, down: 0 }, 'the votes count on the private note');
    assert.ok(upvoted.own.score > start.own.score, 'the votes move the private note');
    assert.deepEqual(
      { sharedOnly: upvoted.sharedOnly, unrestricted: upvoted.unrestricted },
      { sharedOnly: start.sharedOnly, unrestricted: start.unrestricted },
      'helpful votes moved the shared copy',
    );
    for (let i = 0; i < 10; i++) await sidebar.rpc.sendRequest(KbVoteRequest.type, { chunkId: start.own.chunkId, vote: -1 });
    const downvoted = await view();
    assert.deepEqual(downvoted.own.votes, { up: 5, down: 10 });
    assert.deepEqual(
      { sharedOnly: downvoted.sharedOnly, unrestricted: downvoted.unrestricted },
      { sharedOnly: start.sharedOnly, unrestricted: start.unrestricted },
      'not-helpful votes moved the shared copy',
    );
  });

  it('a note switched from shared (and from public) back to private, over LSP and from the sidebar → the very next shared-only search, by its words or by a prefix as typed, no longer returns it', async () => {
    const folder = join(dir.path, 'switched');
    const launch = join(folder, 'Launch.md');
    plant(folder, { 'Launch.md': '# Launch\n\nThe orbital launch window for Kestrel opens at dawn.\n' });
    await addFolder(server, folder, 1);
    const inShared = async (query: string) => (await search(sidebar, query, SHARED_ONLY)).some((p) => p.path === launch);
    await setVisibility(server, launch, 'shared');
    assert.ok(await inShared('orbital launch kestrel'), 'a shared note is found');
    await setVisibility(server, launch, 'private');
    assert.equal(await inShared('orbital launch kestrel'), false, 'found by its words after it was made private over LSP');
    assert.equal(await inShared('kestr'), false, 'found by a prefix after it was made private over LSP');
    const { documentId } = passageOf(await search(sidebar, 'kestrel'), 'Launch.md');
    await sidebar.rpc.sendRequest(KbDocumentVisibilityRequest.type, { documentId, visibility: 'public' });
    assert.ok(await inShared('kestrel'), 'a public note is found');
    await sidebar.rpc.sendRequest(KbDocumentVisibilityRequest.type, { documentId, visibility: 'private' });
    assert.equal(await inShared('orbital launch kestrel'), false, 'found by its words after it was made private from the sidebar');
    assert.equal(await inShared('kestr'), false, 'found by a prefix after it was made private from the sidebar');
  });

  it('notes whose own text claims a scope (frontmatter visibility: public, Visibility: Shared, shared/public/publish/share: true, scope, access, parley.visibility, tags #shared #public, comments, a public/ or shared/ folder) → indexed private, and a scope the user set stays as set when the file later claims another', async () => {
    const folder = join(dir.path, 'claims');
    const claims: Record<string, string> = {
      'Claims visibility.md': '---\nvisibility: public\n---\n',
      'Claims Visibility capitalised.md': '---\nVisibility: Shared\n---\n',
      'Claims a list.md': '---\nvisibility: [shared, public]\n---\n',
      'Claims shared.md': '---\nshared: true\n---\n',
      'Claims public.md': '---\npublic: true\n---\n',
      'Claims publish.md': '---\npublish: true\n---\n',
      'Claims share.md': '---\nshare: true\nsharing: everyone\n---\n',
      'Claims scope.md': '---\nscope: shared\n---\n',
      'Claims access.md': '---\naccess: public\npermissions: public\n---\n',
      'Claims parley.md': '---\nparley:\n  visibility: shared\nkb:\n  visibility: public\n---\n',
      'Claims tags.md': '---\ntags: [shared, public, visibility/public]\n---\n',
      'Claims inline tags.md': '#public #shared\n\n',
      'Claims comments.md': '%% visibility: public %%\n<!-- visibility: shared -->\n',
      'public/Note.md': '',
      'shared/Note.md': '',
      'Public.md': '',
    };
    const names = Object.keys(claims);
    plant(
      folder,
      Object.fromEntries(names.map((name, i) => [name, `${claims[name]}# Claim ${i}\n\nNimbostrata report ${i}: the cloud deck sits low today.\n`])),
    );
    const before = (await server.connection.sendRequest(KbStatsRequest.type)).byVisibility;
    await addFolder(server, folder, names.length);
    const stats = await server.connection.sendRequest(KbStatsRequest.type);
    assert.deepEqual(stats.byVisibility, { ...before, private: before.private + names.length }, 'a note took a scope from its text');
    assert.deepEqual(
      (await search(sidebar, 'nimbostrata cloud deck', SHARED_ONLY)).map((p) => p.relPath),
      [],
    );
    const all = await search(sidebar, 'nimbostrata cloud deck');
    assert.deepEqual(all.map((p) => [p.relPath, p.visibility]).sort(), names.map((name) => [name, 'private']).sort());

    // The user shares one; the file then claims public, then private: the user's choice stands.
    const chosen = join(folder, 'Claims publish.md');
    await setVisibility(server, chosen, 'shared');
    for (const [claim, word] of [
      ['visibility: public\npublic: true', 'cumulonimba'],
      ['visibility: private\nshared: false', 'altocumula'],
    ]) {
      writeFileSync(chosen, `---\n${claim}\n---\n# Claim\n\nNimbostrata report: ${word} over the ridge.\n`);
      later(chosen);
      const [edited] = await waitFor(
        async () => {
          const found = await search(sidebar, word);
          return found.length > 0 && found;
        },
        { timeoutMs: 15_000, what: `the edit with "${word}" to be indexed` },
      );
      assert.equal(edited!.visibility, 'shared', `after the file claimed "${claim.split('\n')[0]}"`);
      assert.deepEqual(
        (await search(sidebar, word, { visibility: ['public'] })).map((p) => p.relPath),
        [],
        'the file made the note public',
      );
      assert.equal(passageOf(await search(sidebar, word, SHARED_ONLY), 'Claims publish.md').visibility, 'shared');
    }
  });

  it('search queries written as FTS5 or SQL (visibility:private, "a" OR *, NEAR(, unbalanced quotes, {title}: x, column filters, NOT, ^, prefixes, DROP TABLE, NUL) and hostile tag/folder filters, with a shared-only scope → no private passage, word or correction in any result, each answered with results or an error; the connection and the server stay up', async () => {
    const folder = join(dir.path, 'syntax');
    plant(folder, {
      'Vault Keys.md': '# Vault Keys\n\nThe private visibility ledger: title text correction tags near the secret vermillionite vault, key x a b.\n',
      'Handbook.md': '# Handbook\n\nThe handbook explains visibility settings and the title of shared notes.\n',
    });
    await addFolder(server, folder, 2);
    await setVisibility(server, join(folder, 'Handbook.md'), 'shared');
    const vault = passageOf(await search(sidebar, 'vermillionite'), 'Vault Keys.md');
    await sidebar.rpc.sendRequest(KbCorrectRequest.type, { chunkId: vault.chunkId, text: 'The opalescent key moved to drawer nine.' });
    const secret: Secret = { paths: [join(folder, 'Vault Keys.md')], words: ['vermillionite', 'opalescent', 'drawer nine', 'vault keys'] };
    const queries = [
      'visibility:private',
      '"a" OR *',
      'NEAR(',
      'NEAR(secret ledger, 2)',
      'NEAR("secret" "vault")',
      '"unbalanced quote',
      'ledger"',
      '"""',
      '{title}: x',
      '{title text correction}: vermillionite',
      'title:vault',
      'correction:opalescent',
      'text : vermillionite',
      '- vermillionite',
      '* OR *',
      '*',
      'vermillion*',
      '^vermillionite',
      'vermillionite AND NOT handbook',
      'NOT handbook',
      ') OR (',
      '"" OR ""',
      'vermillionite OR visibility',
      "'; DROP TABLE chunks; --",
      "x' OR d.visibility = 'private' --",
      'rowid > 0 OR 1=1',
      'chunks_fts MATCH *',
      'vermillionite\u0000',
      '\u202evermillionite',
      'ledger '.repeat(280),
    ];
    const scopes: KbSearchFilters[] = [
      SHARED_ONLY,
      { ...SHARED_ONLY, tag: "x' OR '1'='1" },
      { ...SHARED_ONLY, tag: '%' },
      { ...SHARED_ONLY, folder: "/' OR 1=1 --" },
      { ...SHARED_ONLY, folder: '%' },
      { visibility: [] },
    ];
    // The queries are live: unrestricted, the column filter and the bare word find the private note.
    for (const query of ['{title text correction}: vermillionite', 'visibility:private'])
      assert.ok(
        (await search(sidebar, query)).some((p) => p.relPath === 'Vault Keys.md'),
        query,
      );
    const errors: string[] = [];
    for (const filters of scopes) {
      for (const query of queries) {
        const answer = await send(sidebar, query, filters);
        const what = `${JSON.stringify(query).slice(0, 40)} with ${JSON.stringify(filters)}`;
        if ('error' in answer) {
          assert.ok(answer.error.trim(), `${what}: an empty error`);
          errors.push(`${what}: ${answer.error}`);
          continue;
        }
        assertNothingOf(answer.passages, secret, what);
      }
    }
    assert.equal(server.process.exitCode, null, `the server exited: ${server.stderr()}`);
    assert.deepEqual(
      (await search(sidebar, 'handbook visibility', SHARED_ONLY)).map((p) => p.relPath),
      ['Handbook.md'],
      'an ordinary search after them',
    );
    assert.ok(errors.length < queries.length * scopes.length, `every crafted query was refused:\n${errors.join('\n')}`);
  });

  it("the assistant's search_knowledge_base tool → searches all of the user's own notes (private, shared and public alike), and shows a correction only under the note it was written on, never under a shared copy of the paragraph", async () => {
    const folder = join(dir.path, 'tool');
    const paragraph = 'Tag the release branch and publish the changelog before the announcement.';
    const correction = 'Marigold signs the changelog now.';
    plant(folder, {
      'Own Release.md': `# Own Release\n\n${paragraph}\n`,
      'Team Release.md': `# Team Release\n\n${paragraph}\n`,
      'Press Release.md': '# Press Release\n\nThe announcement of the release branch changelog goes out on Thursday.\n',
    });
    await addFolder(server, folder, 3);
    await setVisibility(server, join(folder, 'Team Release.md'), 'shared');
    await setVisibility(server, join(folder, 'Press Release.md'), 'public');
    const own = passageOf(await search(sidebar, paragraph), 'Own Release.md');
    await sidebar.rpc.sendRequest(KbCorrectRequest.type, { chunkId: own.chunkId, text: correction });

    model.chat.push({ toolCalls: [{ name: 'search_knowledge_base', input: { query: 'release branch changelog announcement', limit: 10 } }] });
    model.chat.push({ text: 'Tag the branch, then publish the changelog [1].' });
    const seen = client.frames.length;
    client.socket.send(JSON.stringify({ type: 'say', text: 'How do we cut a release?' }));
    const call = await waitFor(
      () =>
        client.frames
          .slice(seen)
          .flatMap((frame) => (frame.type === 'turn' && frame.turn.role === 'assistant' ? frame.turn.toolCalls : []))
          .find((c: ToolCallRecord) => c.name === 'search_knowledge_base' && c.result !== undefined),
      { timeoutMs: 15_000, what: 'the answer with its tool call' },
    );
    const result = call.result!;
    // One block per passage: "[n] Title › Heading (relPath, line L)", the snippet, and the note's own correction if any.
    const blocks = new Map(result.split(/\n\n(?=\[\d+\] )/).map((block) => [/^\[\d+\] .*? \((.+), line \d+\)/.exec(block)?.[1] ?? block, block]));
    for (const name of ['Own Release.md', 'Team Release.md', 'Press Release.md']) assert.ok(blocks.has(name), `${name} is in the tool's result:\n${result}`);
    assert.match(blocks.get('Own Release.md')!, new RegExp(`Correction by the user \\(v1\\): ${correction}`));
    for (const name of ['Team Release.md', 'Press Release.md'])
      assert.doesNotMatch(blocks.get(name)!, /Marigold|Correction by the user/, `${name} shows the private note's correction`);
    const cited = (call.citations ?? []).map((c) => [c.label, c.path]);
    for (const name of ['Own Release', 'Team Release', 'Press Release'])
      assert.ok(
        cited.some(([label, path]) => label === name && path === join(folder, `${name}.md`)),
        `${name} is cited with its own path`,
      );
    // What the model was sent is what the tool returned, no more.
    const chats = model.requests.filter((r) => r.path === '/v1/chat/completions');
    const messages = (chats.at(-1)!.body as { messages: { role: string; content: unknown }[] }).messages;
    assert.deepEqual(
      messages.filter((m) => m.role === 'tool').map((m) => m.content),
      [result],
    );
  });

  it('a shared note made private while a new embedder re-embeds its passages (a server embedder, answering slowly) → shared-only searches, by words and by vectors, no longer return it once embedding is done', async () => {
    const embeddings = await startOpenAIStandIn({ latency: { ttfbMs: 2_000 } });
    const raceDir = join(dir.path, 'race');
    const other = await startServer({ storage: { globalStoragePath: join(raceDir, 'g'), workspaceStoragePath: join(raceDir, 'w') } });
    try {
      other.connection.onRequest('window/workDoneProgress/create', () => null);
      const folder = join(raceDir, 'notes');
      const merger = join(folder, 'Merger.md');
      plant(folder, {
        'Merger.md': '# Merger\n\nThe Halcyon merger closes in March; the term sheet stays with the deal team.\n',
        'Newsletter.md': '# Newsletter\n\nThe newsletter covers the March offsite.\n',
      });
      await addFolder(other, folder, 2);
      await setVisibility(other, merger, 'shared');
      await setVisibility(other, join(folder, 'Newsletter.md'), 'shared');
      const otherSidebar = sidebarOf(other);
      try {
        await other.changeSettings({
          ...structuredClone(DEFAULT_SETTINGS),
          embeddings: { ...DEFAULT_SETTINGS.embeddings, provider: 'openai-compatible', model: 'embed-small', baseUrl: embeddings.baseURL },
        });
        await waitFor(() => embeddings.requests.some((r) => JSON.stringify(r.body).includes('Halcyon merger')), {
          timeoutMs: 15_000,
          what: 'the re-embedding of the merger note',
        });
        await setVisibility(other, merger, 'private');
        embeddings.latency.ttfbMs = 0;
        await waitFor(
          async () => {
            const stats = await other.connection.sendRequest(KbStatsRequest.type);
            return stats.embedder.startsWith('openai-compatible:') && stats.embedded === stats.chunks && !stats.busy;
          },
          { timeoutMs: 30_000, what: 'the re-embedding to finish' },
        );
        assert.equal(passageOf(await search(otherSidebar, 'Halcyon merger term sheet'), 'Merger.md').visibility, 'private');
        const secret: Secret = { paths: [merger], words: ['halcyon', 'term sheet'] };
        for (const query of ['Halcyon merger term sheet', 'March', 'newsletter'])
          assertNothingOf(await search(otherSidebar, query, SHARED_ONLY), secret, `shared-only "${query}"`);
      } finally {
        otherSidebar.dispose();
      }
    } finally {
      await other.stop();
      await embeddings.close();
    }
  });
});
