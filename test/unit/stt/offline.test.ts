import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizePhrase, phraseGrammar } from '../../../server/providers/stt/offline/grammar';
import { parseHypotheses } from '../../../server/providers/stt/offline/pocketsphinx';

describe('offline recognizer helpers', () => {
  it('builds a JSGF grammar of dictionary words from a phrase list', () => {
    assert.equal(normalizePhrase('  Open the file "main.ts", please! '), 'open the file main ts please');
    assert.equal(
      phraseGrammar(['Stop.', 'why is this test failing?', 'stop']),
      '#JSGF V1.0;\ngrammar parley;\npublic <utterance> = stop | why is this test failing ;\n',
    );
    assert.throws(() => phraseGrammar(['', '?!']), /phrase list .* is empty/);
  });

  it('joins the hypothesis lines of a turn and ignores log lines', () => {
    assert.equal(parseHypotheses('why is this test failing\n\nrun the tests please\n'), 'why is this test failing run the tests please');
    assert.equal(parseHypotheses('INFO: cmd_ln.c(696): Parsing command line:\nstop\n'), 'stop');
    assert.equal(parseHypotheses(''), '');
  });
});
