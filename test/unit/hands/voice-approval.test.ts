/**
 * run_command in the voice loop, over fakes: Parley says the command and where it runs, then
 * waits for the panel; a spoken "yes" decides nothing, a spoken "stop" cancels the card or stops the run.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '../../../protocol/live';
import { DEFAULT_SETTINGS } from '../../../protocol/settings';
import { Approvals, WAITING_CARD_NOTICE } from '../../../server/hands/approval';
import type { Cells } from '../../../server/hands/approvalCells';
import { isWorkspaceTrusted, setWorkspaceTrusted } from '../../../server/process/trust';
import { createRunCommand } from '../../../server/tools/builtin/runCommand';
import { fakeVoice } from '../../support/fakes/voice';
import { tempDir } from '../../support/paths';
import { waitFor } from '../../support/poll';

describe('approving a command in voice mode', () => {
  const dir = tempDir('voice-approval');
  const wasTrusted = isWorkspaceTrusted();
  before(() => setWorkspaceTrusted(true));
  after(() => {
    setWorkspaceTrusted(wasTrusted);
    dir.cleanup();
  });

  it('reads the command back, waits for the panel, runs nothing on a spoken "yes" and cancels on "stop"', async () => {
    const cards: ServerFrame[] = [];
    const approvals = new Approvals((frame) => cards.push(frame));
    const allowList = { allowedCommands: () => [], isAllowed: () => false, allowCommand: () => undefined, disallowCommand: () => undefined };
    const tool = createRunCommand({ approvals, allowList, cells: {} as Cells, settings: async () => DEFAULT_SETTINGS.hands });
    const marker = join(dir.path, 'ran.txt');
    const voice = await fakeVoice({}, [tool]);
    try {
      voice.stt.say.endOfTurn('run the tests');
      (await voice.model.next())
        .toolCall('c1', 'run_command', { command: `node -e "require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')"`, reason: 'To run the tests' })
        .end();
      const card = await waitFor(() => cards.find((frame) => frame.type === 'approval'), { what: 'the card' });
      // Spoken in clauses, as the answer's text streams.
      await waitFor(() => /I'd like to run node -e .* in the workspace folder; approve it in the panel\./.test(voice.tts.spoken.join(' ')), {
        what: 'the command read back',
      });

      // The voice loop holds the next turn until this answer is done, and the answer waits for the panel.
      voice.stt.say.endOfTurn('yes');
      await waitFor(() => voice.frames.some((frame) => frame.type === 'transcript' && frame.final && frame.text === 'yes'), { what: 'the spoken yes' });
      for (const frame of voice.frames) approvals.heard(frame);
      assert.equal(cards.filter((frame) => frame.type === 'approvalState').length, 0, 'a spoken yes decides nothing');
      const told = () => cards.filter((frame) => frame.type === 'notice' && frame.message === WAITING_CARD_NOTICE).length;
      assert.equal(told(), 1, 'the user is told the card decides, and that what they said waits');
      for (const frame of voice.frames) approvals.heard(frame);
      assert.equal(told(), 1, 'once per card');
      assert.equal(existsSync(marker), false);

      // A spoken "stop" cancels the card (as server/main.ts passes each frame to heard()).
      voice.stt.say.endOfTurn('Stop.');
      const stop = await waitFor(() => voice.frames.find((frame) => frame.type === 'transcript' && frame.final && frame.text === 'Stop.'), {
        what: 'the spoken stop',
      });
      approvals.heard(stop);
      await waitFor(() => cards.some((frame) => frame.type === 'approvalState' && frame.state === 'cancelled'), { what: 'the card cancelled' });
      assert.equal(approvals.answer(card.type === 'approval' ? card.id : '', 'run'), false, 'the card is gone: nothing can run it now');
      (await voice.model.next()).text('Sure.').end();
      assert.equal(existsSync(marker), false);
    } finally {
      await voice.close();
    }
  });
});
