/** The model's answers for a sidebar search, checked before anything of them is believed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQueries, parseRanking } from '../../../server/knowledge/modelHelp';
import { AnswerError } from '../../../server/providers/llm/whole';

describe("the model's rewritten queries", () => {
  it('keeps up to three distinct queries, not the question itself, trimmed, from bare or fenced JSON', () => {
    assert.deepEqual(parseQueries('{"queries": [" obsidian slow plugin ", "My Question", "obsidian slow plugin", "", "a", "b", "c"]}', 'my question'), [
      'obsidian slow plugin',
      'a',
      'b',
    ]);
    assert.deepEqual(parseQueries('```json\n{"queries": ["vault backup"]}\n```', 'q'), ['vault backup']);
  });

  it('rejects prose, another shape and a query that is not text, saying which', () => {
    assert.throws(
      () => parseQueries('Here are some queries: backup', 'q'),
      (error: Error) => error instanceof AnswerError && /not JSON/.test(error.message),
    );
    assert.throws(() => parseQueries('["backup"]', 'q'), /not \{"queries": \[\.\.\.\]\}/);
    assert.throws(() => parseQueries('{"queries": [3]}', 'q'), /a query is not a string/);
  });
});

describe("the model's ranking", () => {
  it('gives 0-based places in its order, each once', () => {
    assert.deepEqual(parseRanking('{"ranking": [3, 1, 3]}', 5), [2, 0]);
    assert.deepEqual(parseRanking('{"ranking": []}', 5), []);
  });

  it('rejects numbers that were not shown, that are not whole, and other shapes', () => {
    assert.throws(() => parseRanking('{"ranking": [6]}', 5), /passage 6 is not one of the 5 shown/);
    assert.throws(() => parseRanking('{"ranking": [0]}', 5), /passage 0 is not one of the 5 shown/);
    assert.throws(() => parseRanking('{"ranking": [1.5]}', 5), /1\.5 is not a passage number/);
    assert.throws(() => parseRanking('{"ranking": ["2"]}', 5), /"2" is not a passage number/);
    assert.throws(() => parseRanking('{"order": [1]}', 5), /not \{"ranking": \[\.\.\.\]\}/);
    assert.throws(() => parseRanking('null', 5), /not \{"ranking": \[\.\.\.\]\}/);
  });
});
