/**
 * Turns that arrive while an answer is slow to stop: they take over one at a time, in order, and
 * one more than may wait is refused with a notice. The model is a fake that needs a moment to stop.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ServerFrame } from '../../protocol/live';
import { Conversation, MAX_WAITING_TURNS, type ChatModel } from '../../server/conversation/conversation';
import { createLogger } from '../../server/log';
import type { ChatRequest, LlmEvent } from '../../server/providers/llm/types';
import { SessionStore } from '../../server/sessions/store';
import { openDatabase } from '../../server/storage/database';
import { SESSIONS_MIGRATIONS } from '../../server/storage/migrations';
import { WorkspaceFolders } from '../../server/tools/confine';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';

/** A model that streams "Answer to <question>." until stopped, and stops only once `release()` was called. */
class SlowToStop implements ChatModel {
  readonly questions: string[] = [];
  release: () => void = () => undefined;
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));

  async *chat(request: ChatRequest, signal: AbortSignal): AsyncIterable<LlmEvent> {
    const last = request.messages.at(-1);
    const question = last?.role === 'user' ? last.text : '';
    this.questions.push(question);
    yield { type: 'text', text: `Answer to ${question}.`, createdAt: Date.now() };
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    await this.released;
  }
}

describe('turns while an answer stops', () => {
  const dir = tempDir('conversation-unit');
  const log = createLogger(() => undefined);
  const { db } = openDatabase({ file: join(dir.path, 'sessions.db'), migrations: SESSIONS_MIGRATIONS, nativeDir: '/nonexistent', log, label: 'sessions' });
  after(() => {
    db.close();
    dir.cleanup();
  });

  function conversation(model: ChatModel, frames: ServerFrame[]) {
    const store = new SessionStore(db);
    const sessionId = store.start();
    const folders = new WorkspaceFolders([dir.path]);
    const toolContext = {
      folders,
      editorState: async () => ({ workspaceFolders: [], openFiles: [], diagnostics: [] }),
      showDocument: async () => false,
      applyEdit: async () => false,
    };
    // Preparing a turn asks the editor for its state: a round trip, here one turn of the event loop.
    const prepare = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return { model, context: '', toolContext };
    };
    const talk = new Conversation({ store, sessionId, tools: [], emit: (frame) => frames.push(frame), log, prepare });
    return { talk, turns: () => store.turns(sessionId) };
  }

  it('takes waiting turns over in order, refuses one more with a notice, and asks the model only for the last', async () => {
    const model = new SlowToStop();
    const frames: ServerFrame[] = [];
    const { talk, turns } = conversation(model, frames);
    const first = talk.say('first');
    await waitFor(() => model.questions.length === 1, { what: 'the first answer to start' });
    const waiting = Array.from({ length: MAX_WAITING_TURNS }, (_, index) => talk.say(`waiting ${index + 1}`));
    const refused = talk.say('one too many');
    await waitFor(() => frames.some((frame) => frame.type === 'notice'), { timeoutMs: 2_000, what: 'the refusal' });
    await refused;
    const notices = frames.filter((frame) => frame.type === 'notice');
    assert.equal(notices.length, 1);
    assert.ok(notices[0]!.type === 'notice' && notices[0].level === 'error');
    assert.match(notices[0].message, /"one too many" was not sent/);

    model.release();
    await waitFor(() => model.questions.length === 2, { what: 'the last waiting turn to ask the model' });
    await talk.cancel();
    await Promise.all([first, ...waiting]);
    const last = `waiting ${MAX_WAITING_TURNS}`;
    assert.deepEqual(model.questions, ['first', last], 'a turn stopped before its answer began never reached the model');
    const users = turns()
      .filter((turn) => turn.role === 'user')
      .map((turn) => turn.text);
    assert.deepEqual(
      users,
      ['first', ...Array.from({ length: MAX_WAITING_TURNS }, (_, index) => `waiting ${index + 1}`)],
      'in the order they came, without the refused one',
    );
  });
});
