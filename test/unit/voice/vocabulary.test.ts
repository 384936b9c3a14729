/**
 * The workspace's vocabulary for the voice: which names, in what order, and the heads of it the
 * recognizers are given within their limits; and the voice loop writing the names it hears.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EditorState } from '../../../protocol/lsp';
import type { MapFile } from '../../../server/repo';
import { keyterms, MAX_KEYTERMS, readVocabulary, transcriptionPrompt, workspaceVocabulary } from '../../../server/voice/vocabulary';
import { fakeVoice, userTurns } from '../../support/fakes/voice';

const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
const STATE: EditorState = {
  workspaceFolders: ['/work/app'],
  activeEditor: {
    path: '/work/app/src/users.ts',
    languageId: 'typescript',
    lineCount: 40,
    selection: range,
    selectedText: '',
    visibleRange: range,
    visibleText: '',
  },
  openFiles: ['/work/app/src/users.ts', '/work/app/src/config/loadConfig.ts'],
  diagnostics: [{ path: '/work/app/src/users.ts', range, severity: 'error', message: "Property 'findUserByEmail' does not exist on type 'UserStore'." }],
};
const symbol = (name: string, rank: number) => ({ name, kind: 'function' as const, line: 1, signature: `function ${name}()`, rank });
const MAP: MapFile[] = [
  { path: 'src/users.ts', rank: 0.4, symbols: [symbol('getUserById', 0.2), symbol('UserStore', 0.3)] },
  { path: 'src/config/parseConfig.ts', rank: 0.2, symbols: [symbol('parseConfig', 0.25)] },
];

describe('the workspace vocabulary', () => {
  it('puts the names the problems quote first, then the map’s definitions by rank, then the files', () => {
    assert.deepEqual(workspaceVocabulary({ state: STATE, map: MAP }), [
      'findUserByEmail',
      'UserStore',
      'users.ts',
      'parseConfig',
      'getUserById',
      'loadConfig.ts',
      'parseConfig.ts',
    ]);
  });

  it('reads the editor, and the map around the active file with the open files in focus', async () => {
    const asked: unknown[] = [];
    const names = await readVocabulary({
      editorState: async () => STATE,
      filesAround: async (...args) => {
        asked.push(args);
        return MAP;
      },
    });
    assert.deepEqual(asked, [['/work/app', '/work/app/src/users.ts', STATE.openFiles, 3_000, 500]]);
    assert.ok(names.includes('getUserById'));
    assert.deepEqual(await readVocabulary({ editorState: async () => ({ ...STATE, activeEditor: undefined }) }), [
      'findUserByEmail',
      'UserStore',
      'users.ts',
      'loadConfig.ts',
    ]);
  });

  it('gives Deepgram at most 100 keyterms within its token limit, the user’s own first', () => {
    const many = Array.from({ length: 300 }, (_, i) => `someIdentifier${i}`);
    const terms = keyterms(many, ['Parley']);
    assert.equal(terms[0], 'Parley');
    assert.ok(terms.length <= MAX_KEYTERMS);
    assert.ok(terms.reduce((sum, term) => sum + Math.ceil(term.length / 3) + 1, 0) <= 450);
    assert.deepEqual(keyterms(['a', 'b', 'a']), ['a', 'b']);
  });

  it('gives OpenAI transcription a short prompt of names after the user’s own', () => {
    assert.equal(transcriptionPrompt(['getUserById', 'main.ts'], 'Parley.'), 'Parley. Names in this code: getUserById, main.ts.');
    assert.equal(transcriptionPrompt([], ''), '');
    assert.ok(transcriptionPrompt(Array.from({ length: 500 }, (_, i) => `name${i}`)).length < 700);
  });
});

describe('names in the voice loop', () => {
  it('gives the recognizer the vocabulary and writes the names it hears in the question', async () => {
    const voice = await fakeVoice({}, [], undefined, async () => ['getUserById', 'main.ts']);
    try {
      assert.deepEqual(voice.stt.say.vocabulary, ['getUserById', 'main.ts']);
      voice.stt.say.endOfTurn('why does get user by id fail in main dot ts');
      const reply = await voice.model.next();
      assert.equal(reply.question, 'why does `getUserById` fail in `main.ts`');
      reply.end();
      const final = voice.frames.find((frame) => frame.type === 'transcript' && frame.final);
      assert.equal(final && 'text' in final ? final.text : '', 'why does `getUserById` fail in `main.ts`');
      assert.deepEqual(userTurns(voice), ['why does `getUserById` fail in `main.ts`']);
    } finally {
      await voice.close();
    }
  });

  it('listens without names when the vocabulary cannot be read', async () => {
    const voice = await fakeVoice({}, [], undefined, () => Promise.reject(new Error('no editor')));
    try {
      assert.deepEqual(voice.stt.say.vocabulary, []);
      voice.stt.say.endOfTurn('why does get user by id fail');
      const reply = await voice.model.next();
      assert.equal(reply.question, 'why does get user by id fail');
      reply.end();
    } finally {
      await voice.close();
    }
  });
});
