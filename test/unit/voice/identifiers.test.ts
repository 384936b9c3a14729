/**
 * Spoken identifiers mapped to the workspace's names: the words that spell a name's parts become
 * the name, as code; close misspellings too, plain speech and short names never.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editDistance, mapIdentifiers, spokenParts } from '../../../server/voice/identifiers';

const NAMES = ['getUserById', 'parseConfig', 'main.ts', 'HTTPServer', 'MAX_RETRY_COUNT', 'isValid', 'run', 'user-profile.tsx', 'parse_config'];

describe('spoken identifiers', () => {
  it('splits names into the words they are said as', () => {
    assert.deepEqual(spokenParts('getUserById'), ['get', 'user', 'by', 'id']);
    assert.deepEqual(spokenParts('HTTPServer'), ['http', 'server']);
    assert.deepEqual(spokenParts('MAX_RETRY_COUNT'), ['max', 'retry', 'count']);
    assert.deepEqual(spokenParts('main.ts'), ['main', 'dot', 'ts']);
    assert.deepEqual(spokenParts('user-profile.tsx'), ['user', 'profile', 'dot', 'tsx']);
    assert.deepEqual(spokenParts('utf8Decode'), ['utf', '8', 'decode']);
  });

  it('writes the words that spell a name as the name, in code', () => {
    const cases: [string, string][] = [
      ['why does get user by id return null', 'why does `getUserById` return null'],
      ['open main dot ts', 'open `main.ts`'],
      ['what does the parse config function do?', 'what does the `parseConfig` function do?'],
      ['Why is get user by I.D. slow?', 'Why is `getUserById` slow?'],
      ['the HTTP server crashes', 'the `HTTPServer` crashes'],
      ['raise max retry count to five', 'raise `MAX_RETRY_COUNT` to five'],
      ['look at user profile dot TSX', 'look at `user-profile.tsx`'],
      ['look at user profile.tsx', 'look at `user-profile.tsx`'],
      ['what calls getuserbyid', 'what calls `getUserById`'],
      // A recognizer's near miss: "pars config".
      ['fix pars config', 'fix `parseConfig`'],
    ];
    for (const [heard, expected] of cases) assert.equal(mapIdentifiers(heard, NAMES).text, expected, heard);
  });

  it('prefers the name ranked higher when two are said alike', () => {
    assert.equal(mapIdentifiers('fix parse config', ['parse_config', 'parseConfig']).text, 'fix `parse_config`');
    assert.deepEqual(mapIdentifiers('fix parse config', NAMES).names, [{ heard: 'parse config', name: 'parseConfig' }]);
  });

  it('leaves plain speech, short names and far misses alone', () => {
    for (const heard of ['this input is valid', 'run the tests', 'why is the server slow', 'get the user', 'parse the conflict', ''])
      assert.equal(mapIdentifiers(heard, NAMES).text, heard, heard);
    assert.equal(mapIdentifiers('get user by id', []).text, 'get user by id');
    // A file's name without its extension said is a word: "the extension", "the receiver".
    for (const heard of ['is this extension negotiated', 'can the receiver handle it', 'how is a subprotocol chosen'])
      assert.equal(mapIdentifiers(heard, ['extension.js', 'receiver.js', 'subprotocol.js']).text, heard, heard);
    assert.equal(mapIdentifiers('open receiver dot js', ['receiver.js']).text, 'open `receiver.js`');
    // Near misses a real repository's names (ws) gave at a looser distance.
    for (const heard of ['what does it return when the socket is closed', 'is the buffer copied', 'how many messages can be queued'])
      assert.equal(mapIdentifiers(heard, ['socketOnClose', 'toBuffer', 'kMessage']).text, heard, heard);
  });

  it('measures edit distance, stopping past a limit', () => {
    assert.equal(editDistance('parsconfig', 'parseconfig'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('abc', 'abcdefgh', 2), 3);
  });
});
