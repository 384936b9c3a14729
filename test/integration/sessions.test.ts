/** Session history on disk: every turn survives a crash, and the export reads as a conversation. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Turn } from '../../protocol/session';
import { stderrLogger } from '../../server/log';
import { sessionMarkdown } from '../../server/sessions/export';
import { SessionStore } from '../../server/sessions/store';
import { openDatabase } from '../../server/storage/database';
import { SESSIONS_MIGRATIONS } from '../../server/storage/migrations';
import { REPO, tempDir } from '../support/paths';

const open = (file: string) =>
  openDatabase({ file, migrations: SESSIONS_MIGRATIONS, nativeDir: '/nonexistent', log: stderrLogger('error'), label: 'session history' }).db;

const userTurn: Turn = {
  role: 'user',
  text: 'why is this test failing?',
  interrupted: false,
  source: 'voice',
  toolCalls: [],
  metrics: { endOfSpeechToFinalMs: 212 },
  createdAt: Date.UTC(2026, 10, 21, 9, 30, 0),
};
const assistantTurn: Turn = {
  role: 'assistant',
  text: 'The assertion expects 3 but',
  interrupted: true,
  toolCalls: [{ id: 't1', name: 'list_diagnostics', input: { file: 'src/a.test.ts' }, result: '1 error' }],
  metrics: { llmTtftMs: 410.4, ttsTtfbMs: 120, voiceToVoiceMs: 980, bargeInStopMs: 31 },
  createdAt: Date.UTC(2026, 10, 21, 9, 30, 2),
};

describe('session history', () => {
  it('keeps every committed turn when the process dies without closing the database', () => {
    const dir = tempDir('sessions');
    try {
      const file = join(dir.path, 'sessions.db');
      // A child process writes two turns and is killed before it can close anything.
      const script = `
        const { openDatabase } = require('./server/storage/database');
        const { SESSIONS_MIGRATIONS } = require('./server/storage/migrations');
        const { SessionStore } = require('./server/sessions/store');
        const { stderrLogger } = require('./server/log');
        const db = openDatabase({ file: ${JSON.stringify(file)}, migrations: SESSIONS_MIGRATIONS, nativeDir: '/nonexistent', log: stderrLogger('error'), label: 'x' }).db;
        const store = new SessionStore(db);
        const id = store.start(1);
        store.append(id, ${JSON.stringify(userTurn)});
        store.append(id, ${JSON.stringify(assistantTurn)});
        process.kill(process.pid, 'SIGKILL');
      `;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: REPO, encoding: 'utf8' });
      assert.equal(child.signal, 'SIGKILL', child.stderr);
      const db = open(file);
      const store = new SessionStore(db);
      const latest = store.latest();
      assert.equal(latest?.turns, 2);
      const turns = store.turns(latest!.id);
      assert.deepEqual(
        turns.map(({ id: _id, sessionId: _session, ...turn }) => turn),
        [userTurn, assistantTurn],
      );
      db.close();
    } finally {
      dir.cleanup();
    }
  });

  it('continues the latest session and exports it as Markdown', () => {
    const dir = tempDir('sessions-export');
    try {
      const db = open(join(dir.path, 'sessions.db'));
      const store = new SessionStore(db);
      store.start(Date.UTC(2026, 10, 20));
      const id = store.start(Date.UTC(2026, 10, 21, 9, 29));
      store.append(id, userTurn);
      store.append(id, assistantTurn);
      assert.equal(store.latest()?.id, id);
      const markdown = sessionMarkdown(store.latest()!.startedAt, store.turns(id));
      assert.equal(
        markdown,
        [
          '# Parley session · 2026-11-21 09:29 UTC',
          '',
          '### You · 09:30:00 · spoken',
          '',
          'why is this test failing?',
          '',
          '<sub>transcript 212 ms</sub>',
          '',
          '### Parley · 09:30:02 · interrupted',
          '',
          'The assertion expects 3 but',
          '',
          '**Tools**',
          '- `list_diagnostics` {"file":"src/a.test.ts"}',
          '',
          '<sub>first token 410 ms · first audio 120 ms · voice to voice 980 ms · barge-in stop 31 ms</sub>',
          '',
        ].join('\n'),
      );
      db.close();
    } finally {
      dir.cleanup();
    }
  });
});
