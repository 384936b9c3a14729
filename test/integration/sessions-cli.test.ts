/** `npx parley sessions …` on a session database on disk: list, search, export both ways, import, delete. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stderrLogger } from '../../server/log';
import { SessionStore } from '../../server/sessions/store';
import { openDatabase } from '../../server/storage/database';
import { SESSIONS_MIGRATIONS } from '../../server/storage/migrations';
import { CLI_BIN, tempDir } from '../support/paths';

function parley(args: string[]) {
  const result = spawnSync(process.execPath, [CLI_BIN, ...args], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('parley sessions', () => {
  const dir = tempDir('sessions-cli');
  const file = join(dir.path, 'sessions.db');
  let id = '';

  before(() => {
    const { db } = openDatabase({ file, migrations: SESSIONS_MIGRATIONS, nativeDir: '/nonexistent', log: stderrLogger('error'), label: 'test' });
    const store = new SessionStore(db);
    id = store.start(Date.parse('2026-11-30T09:00:00Z'));
    store.append(id, {
      role: 'user',
      text: 'Why is the websocket test flaky?',
      interrupted: false,
      toolCalls: [],
      createdAt: Date.parse('2026-11-30T09:00:05Z'),
    });
    store.append(id, {
      role: 'assistant',
      text: 'It races the server start.',
      interrupted: false,
      toolCalls: [],
      createdAt: Date.parse('2026-11-30T09:12:05Z'),
    });
    db.close();
  });
  after(() => dir.cleanup());

  it('lists and searches the sessions of a database', () => {
    const listed = parley(['sessions', 'list', '--db', file, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      JSON.parse(listed.stdout).map((session: { id: string; title: string; turns: number }) => [session.id, session.title, session.turns]),
      [[id, 'Why is the websocket test flaky?', 2]],
    );
    const found = parley(['sessions', 'search', 'races', 'server', '--db', file, '--json']);
    assert.equal(found.code, 0, found.stderr);
    const [hit] = JSON.parse(found.stdout);
    assert.equal(hit.sessionId, id);
    assert.equal(hit.role, 'assistant');
    assert.match(parley(['sessions', 'list', '--db', file]).stdout, /12 min .* 2 turns/);
  });

  it('exports as Markdown and as JSON, and the JSON imports into another database', () => {
    const markdown = parley(['sessions', 'export', id, '--format', 'md', '--db', file]);
    assert.equal(markdown.code, 0, markdown.stderr);
    assert.match(markdown.stdout, /^# Parley session · 2026-11-30 09:00 UTC/);
    assert.match(markdown.stdout, /It races the server start\./);
    const json = parley(['sessions', 'export', id, '--format', 'json', '--db', file]);
    const exported = join(dir.path, 'exported.json');
    writeFileSync(exported, json.stdout);
    const other = join(dir.path, 'other.db');
    const imported = parley(['sessions', 'import', exported, '--db', other]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /Imported session .* \(2 turns, 0 REPL cells\)/);
    assert.equal(parley(['sessions', 'export', id, '--format', 'json', '--db', other]).stdout, json.stdout);
  });

  it('refuses a damaged export, an unknown session and a wrong format with the reason', () => {
    const damaged = join(dir.path, 'damaged.json');
    writeFileSync(
      damaged,
      JSON.stringify({ format: 'parley-session', version: 1, session: { id: 'x', type: 'coding', startedAt: 1 }, turns: [{ role: 'robot' }], executions: [] }),
    );
    const refused = parley(['sessions', 'import', damaged, '--db', join(dir.path, 'third.db')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is not an exported Parley session: turns\.0\.role/);
    assert.match(parley(['sessions', 'export', 'nope', '--format', 'json', '--db', file]).stderr, /No session nope/);
    const format = parley(['sessions', 'export', id, '--format', 'pdf', '--db', file]);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format md or --format json/);
  });

  it('deletes a session', () => {
    const copy = join(dir.path, 'other.db');
    assert.match(parley(['sessions', 'delete', id, '--db', copy]).stdout, /Deleted session/);
    assert.equal(parley(['sessions', 'delete', id, '--db', copy]).code, 1);
    assert.deepEqual(JSON.parse(parley(['sessions', 'list', '--db', copy, '--json']).stdout), []);
  });
});
