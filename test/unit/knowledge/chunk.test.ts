import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseNote } from '../../../server/knowledge/ingest/note';

const paragraph = (word: string, words: number) => Array.from({ length: words }, (_, i) => `${word}${i}`).join(' ');

describe('chunk size cap', () => {
  it('splits a long section at blank lines; continuations keep the heading and start at their own line', () => {
    const source = ['# Long', paragraph('alpha', 30), '', paragraph('beta', 30), '', paragraph('gamma', 30)].join('\n');
    const note = parseNote(source, 'n.md', { maxChunkChars: 300 });
    assert.ok(note.chunks.length > 1);
    for (const chunk of note.chunks) {
      assert.ok(chunk.text.length <= 300, `${chunk.text.length} chars`);
      assert.deepEqual([chunk.headingPath, chunk.heading], [['n', 'Long'], 'Long']);
    }
    assert.deepEqual(
      note.chunks.map((c) => c.line),
      [0, 3, 5],
    );
    assert.deepEqual(
      note.chunks.map((c) => c.text.split(' ')[0]),
      ['alpha0', 'beta0', 'gamma0'],
    );
  });

  it('packs small paragraphs together up to the cap', () => {
    const note = parseNote('one\n\ntwo\n\nthree', 'n.md', { maxChunkChars: 10 });
    assert.deepEqual(
      note.chunks.map((c) => c.text),
      ['one\n\ntwo', 'three'],
    );
  });

  it('moves a code block whole to the next chunk rather than cutting it', () => {
    const code = ['```js', 'const a = 1;', 'const b = 2;', '```'].join('\n');
    const note = parseNote(`${paragraph('word', 8)}\n\n${code}\n\nafter`, 'n.md', { maxChunkChars: 60 });
    assert.ok(note.chunks.some((c) => c.text.startsWith(code)));
    for (const chunk of note.chunks) assert.ok(chunk.text.length <= 60);
  });

  it('cuts a code block by lines only when it alone is over the cap, keeping an oversized line whole', () => {
    const long = `const long = '${'x'.repeat(100)}';`;
    const code = ['```js', ...Array.from({ length: 10 }, (_, i) => `line(${i});`), long, '```'].join('\n');
    const note = parseNote(code, 'n.md', { maxChunkChars: 50 });
    assert.ok(note.chunks.length > 2);
    for (const chunk of note.chunks) assert.ok(chunk.text.length <= 50 || chunk.text === long, chunk.text);
    assert.equal(note.chunks.map((c) => c.text).join('\n'), code);
    assert.deepEqual(
      note.chunks.map((c) => c.line),
      [...new Set(note.chunks.map((c) => c.line))],
    );
  });

  it('cuts a prose line over the cap at spaces', () => {
    const note = parseNote(paragraph('w', 100), 'n.md', { maxChunkChars: 80 });
    for (const chunk of note.chunks) assert.ok(chunk.text.length <= 80);
    assert.equal(note.chunks.map((c) => c.text).join(' '), paragraph('w', 100));
  });

  it('keeps every chunk under the default cap of 1500 characters', () => {
    const note = parseNote(`# H\n${Array.from({ length: 40 }, (_, i) => paragraph(`p${i}x`, 15)).join('\n\n')}`, 'n.md');
    assert.ok(note.chunks.length > 2);
    for (const chunk of note.chunks) assert.ok(chunk.text.length <= 1500);
  });
});

describe('chunk hashes', () => {
  const source = '# One\nfirst body\n# Two\nsecond body\n# Three\nthird body\n';

  it('is the sha256 of the breadcrumb and the text', () => {
    const chunk = parseNote(source, 'n.md').chunks[0];
    assert.equal(chunk.hash, createHash('sha256').update('n › One\nfirst body').digest('hex'));
  });

  it('is the same for the same input', () => {
    assert.deepEqual(
      parseNote(source, 'n.md').chunks.map((c) => c.hash),
      parseNote(source, 'n.md').chunks.map((c) => c.hash),
    );
  });

  it('changes only for the edited section, even when lines above it move', () => {
    const before = parseNote(source, 'n.md').chunks.map((c) => c.hash);
    const after = parseNote(source.replace('second body', 'second body, edited\nand longer'), 'n.md').chunks.map((c) => c.hash);
    assert.deepEqual([after[0] === before[0], after[1] === before[1], after[2] === before[2]], [true, false, true]);
  });

  it('changes when a heading above the chunk is renamed', () => {
    const renamed = parseNote(source.replace('# One', '# Uno'), 'n.md').chunks;
    assert.notEqual(renamed[0].hash, parseNote(source, 'n.md').chunks[0].hash);
  });
});
