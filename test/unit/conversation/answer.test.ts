/**
 * An AnswerTurn on its own: what it shows and streams passes at once when it is live, waits in
 * order while it is held, and leaves nothing when it is dropped or stopped before confirmation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerTurn, type AnswerEvent } from '../../../server/conversation/answer';

async function drain(turn: AnswerTurn): Promise<AnswerEvent[]> {
  const events: AnswerEvent[] = [];
  for await (const event of turn.events()) events.push(event);
  return events;
}

describe('an answer turn', () => {
  it('streams a live answer’s events as they come and ends with the model', async () => {
    const turn = new AnswerTurn();
    const shown: string[] = [];
    turn.run(() => shown.push('user turn'));
    turn.publish({ type: 'text', text: 'Hello' });
    turn.end();
    assert.deepEqual(shown, ['user turn']);
    assert.deepEqual(await drain(turn), [{ type: 'text', text: 'Hello' }]);
    assert.equal(await turn.released, true);
  });

  it('holds everything, in order, until confirmed; then lets it all through', async () => {
    const turn = new AnswerTurn({ held: true });
    const shown: string[] = [];
    const events = drain(turn);
    turn.run(() => shown.push('stage'));
    turn.publish({ type: 'text', text: 'A' });
    turn.run(() => shown.push('delta A'));
    await Promise.resolve();
    assert.deepEqual(shown, [], 'nothing while held');
    turn.confirm();
    assert.equal(await turn.released, true);
    assert.deepEqual(shown, ['stage', 'delta A']);
    turn.publish({ type: 'text', text: 'B' });
    turn.end();
    assert.deepEqual(
      (await events).map((event) => event.type === 'text' && event.text),
      ['A', 'B'],
    );
  });

  for (const [how, end] of [
    ['dropped', (turn: AnswerTurn) => turn.drop()],
    ['stopped while held', (turn: AnswerTurn) => turn.interrupt()],
  ] as const) {
    it(`leaves no trace when ${how}`, async () => {
      const turn = new AnswerTurn({ held: true });
      const shown: string[] = [];
      const events = drain(turn);
      turn.run(() => shown.push('stage'));
      turn.publish({ type: 'text', text: 'A guess' });
      end(turn);
      turn.confirm();
      turn.run(() => shown.push('later'));
      assert.equal(await turn.released, false);
      assert.deepEqual(await events, []);
      assert.deepEqual(shown, []);
      assert.equal(turn.signal.aborted, true, 'the model it asked stops too');
    });
  }

  it('is over for the conversation only once its presenter commits it', async () => {
    const turn = new AnswerTurn();
    let committed = false;
    void turn.committed.then(() => (committed = true));
    await Promise.resolve();
    assert.equal(committed, false, 'the model being done is not enough');
    turn.commit();
    await turn.committed;
    assert.equal(committed, true);
  });
});
