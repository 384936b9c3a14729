/**
 * Past sessions in SQLite on disk: the list with titles and spans, full-text search over turns,
 * tool calls and REPL cells (kept in step on insert and delete), the JSON export read back by an
 * import, and a version-5 database brought up to search.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Turn } from '../../../protocol/session';
import { stderrLogger } from '../../../server/log';
import { exportedSession } from '../../../server/sessions/export';
import { SessionStore, sessionQuery, type Execution } from '../../../server/sessions/store';
import { openDatabase } from '../../../server/storage/database';
import { SESSIONS_MIGRATIONS, schemaVersion } from '../../../server/storage/migrations';
import { tempDir } from '../../support/paths';

const log = stderrLogger('error');
const open = (file: string, migrations = SESSIONS_MIGRATIONS) => openDatabase({ file, migrations, nativeDir: '/nonexistent', log, label: 'test' }).db;

const turn = (role: Turn['role'], text: string, createdAt: number, toolCalls: Turn['toolCalls'] = []): Turn => ({
  role,
  text,
  interrupted: false,
  toolCalls,
  createdAt,
});
const cell = (code: string, output: string, createdAt: number): Execution => ({
  language: 'python',
  source: 'assistant',
  code,
  outcome: 'ok',
  ms: 12,
  output,
  images: [],
  tables: [],
  createdAt,
});

describe('session history search', () => {
  const dir = tempDir('session-search');
  after(() => dir.cleanup());
  const db = open(join(dir.path, 'sessions.db'));
  const store = new SessionStore(db);
  const first = store.start(1_000);
  store.append(first, turn('user', 'Why does the login test time out?', 2_000));
  store.append(
    first,
    turn('assistant', 'The fixture waits on a socket that never opens.', 3_000, [
      { id: 't1', name: 'read_file', input: { path: 'test/fixtures/server.ts' }, result: 'export function listen…' },
    ]),
  );
  store.addExecution(first, cell('import pandas as pd\npd.read_json("usage.jsonl", lines=True)', 'DataFrame with 42 rows', 4_000));
  const second = store.start(10_000);
  store.append(second, turn('user', 'Rename parseConfig to loadSettings everywhere', 11_000));

  it('lists sessions newest first with the first question as title and their span', () => {
    assert.deepEqual(store.list(), [
      { id: second, type: 'coding', startedAt: 10_000, turns: 1, executions: 0, endedAt: 11_000, title: 'Rename parseConfig to loadSettings everywhere' },
      { id: first, type: 'coding', startedAt: 1_000, turns: 2, executions: 1, endedAt: 3_000, title: 'Why does the login test time out?' },
    ]);
  });

  it('finds words in turns, in tool calls and in REPL cells, across sessions', () => {
    const where = (text: string) => store.search(text).map((hit) => [hit.sessionId === first ? 'first' : 'second', hit.kind, hit.role ?? '']);
    assert.deepEqual(where('login test'), [['first', 'turn', 'user']]);
    assert.deepEqual(where('fixtures server'), [['first', 'turn', 'assistant']], 'the path in a tool call');
    assert.deepEqual(where('pandas rows'), [['first', 'execution', '']], 'the code and the output of a cell');
    assert.deepEqual(where('parseConfig'), [['second', 'turn', 'user']]);
    assert.deepEqual(where('renamed'), [['second', 'turn', 'user']], 'stemmed: "renamed" finds "Rename"');
    assert.deepEqual(where('login parseConfig'), [], 'every word must be there');
    assert.match(store.search('socket')[0]!.snippet, /«socket»/);
  });

  it('reads punctuation and FTS syntax in a search as words, never as a query', () => {
    assert.equal(sessionQuery('"login" OR NOT (test*)'), '"login" "OR" "NOT" "test"');
    assert.equal(sessionQuery('  ?!  '), undefined);
    assert.deepEqual(store.search('?!'), []);
    assert.equal(store.search('login) AND (test').length, 0, 'AND is a word here, and not in the turn');
  });

  it('exports a session as JSON that an import reads back into the same session', () => {
    const exported = store.exportSession(first)!;
    assert.equal(exported.format, 'parley-session');
    const elsewhere = new SessionStore(open(join(dir.path, 'other.db')));
    elsewhere.importSession(JSON.parse(JSON.stringify(exported)));
    assert.deepEqual(elsewhere.exportSession(first), exported);
    assert.equal(elsewhere.search('pandas').length, 1, 'imported cells are searchable');
    assert.throws(() => elsewhere.importSession(exported), /already here/);
    assert.equal(elsewhere.list().length, 1, 'a refused import leaves nothing behind');
  });

  it('deletes a session with its turns, cells and their search entries', () => {
    const gone = store.start(20_000);
    store.append(gone, turn('user', 'flamingo question', 21_000));
    store.addExecution(gone, cell('print("flamingo")', 'flamingo', 22_000));
    assert.equal(store.search('flamingo').length, 2);
    assert.equal(store.delete(gone), true);
    assert.equal(store.delete(gone), false);
    assert.deepEqual(store.search('flamingo'), []);
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    assert.equal(count('turns_fts'), count('turns'));
    assert.equal(count('executions_fts'), count('executions'));
  });
});

describe('session search migration', () => {
  it('indexes the turns and cells a version-5 database already holds', () => {
    const dir = tempDir('session-search-migrate');
    try {
      const file = join(dir.path, 'sessions.db');
      const old = open(
        file,
        SESSIONS_MIGRATIONS.filter((migration) => migration.version <= 5),
      );
      assert.equal(schemaVersion(old), 5);
      const id = 'older-session';
      old.prepare('INSERT INTO sessions (id, started_at) VALUES (?, 1)').run(id);
      // Written as a version-5 server wrote them: the columns of later versions are not there yet.
      old.prepare("INSERT INTO turns (session_id, role, text, created_at) VALUES (?, 'user', 'an older question about websockets', 2)").run(id);
      old
        .prepare(
          "INSERT INTO executions (session_id, language, source, code, outcome, ms, output, created_at) VALUES (?, 'python', 'user', 'len(frames)', 'ok', 1, '1024', 3)",
        )
        .run(id);
      old.close();
      const upgraded = open(file);
      assert.equal(schemaVersion(upgraded), SESSIONS_MIGRATIONS.at(-1)!.version);
      const again = new SessionStore(upgraded);
      assert.equal(again.search('websockets')[0]?.sessionId, id);
      assert.equal(again.search('1024')[0]?.kind, 'execution');
      assert.equal(again.info(id)?.type, 'coding', 'a session from before types is collaborative coding');
      upgraded.close();
    } finally {
      dir.cleanup();
    }
  });
});

describe('what a session cost', () => {
  const dir = tempDir('session-cost');
  after(() => dir.cleanup());

  it('adds the model, the recognizer, the voice and the embeddings, keeps each with its turn through export and import, and writes them in Markdown', () => {
    const store = new SessionStore(open(join(dir.path, 'sessions.db')));
    const id = store.start(1_000);
    const stt = { provider: 'deepgram', model: 'nova-3', audioSeconds: 6, costUsd: 0.00077 };
    store.append(id, { ...turn('user', 'why does it fail', 2_000), source: 'voice', stt });
    const usage = {
      provider: 'openai',
      model: 'gpt-4.1-mini',
      inputTokens: 1000,
      outputTokens: 100,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0.00056,
    };
    const tts = { provider: 'deepgram', model: 'aura-2-thalia-en', audioSeconds: 4.5, characters: 60, costUsd: 0.0018 };
    const embeddings = { provider: 'openai', model: 'text-embedding-3-small', tokens: 6, costUsd: 1.2e-7 };
    store.append(id, { ...turn('assistant', 'The fixture never opens its socket.', 3_000), usage, tts, embeddings });
    // An answer without a price adds nothing, and takes nothing away.
    store.append(id, { ...turn('assistant', 'Unpriced.', 4_000), tts: { provider: 'deepgram', model: 'aura-9', audioSeconds: 1, characters: 9 } });
    assert.ok(Math.abs(store.summary(id)!.costUsd! - (0.00077 + 0.00056 + 0.0018 + 1.2e-7)) < 1e-12);
    const [user, answer] = store.turns(id);
    assert.deepEqual(user!.stt, stt);
    assert.deepEqual([answer!.tts, answer!.embeddings], [tts, embeddings]);
    const exported = store.exportSession(id)!;
    const elsewhere = new SessionStore(open(join(dir.path, 'other.db')));
    elsewhere.importSession(JSON.parse(JSON.stringify(exported)));
    assert.deepEqual(elsewhere.exportSession(id), exported);
    assert.equal(elsewhere.summary(id)!.costUsd, store.summary(id)!.costUsd);
    const markdown = exportedSession(store, id, 'md')!.content;
    assert.match(markdown, /deepgram nova-3: 6\.0 s of audio transcribed · \$0\.0008/);
    assert.match(markdown, /deepgram aura-2-thalia-en: 60 characters spoken, 4\.5 s of audio · \$0\.0018/);
    assert.match(markdown, /text-embedding-3-small: 6 tokens embedded · \$0\.0000/);
    assert.match(markdown, /aura-9: 9 characters spoken, 1\.0 s of audio · no price/);
  });

  it('costs nothing for a session whose turns have no price at all', () => {
    const store = new SessionStore(open(join(dir.path, 'unpriced.db')));
    const id = store.start(1_000);
    store.append(id, { ...turn('user', 'hello', 2_000), stt: { provider: 'deepgram', model: 'enhanced', audioSeconds: 1 } });
    assert.equal(store.summary(id)!.costUsd, undefined, 'no price is not a price of 0');
  });
});
