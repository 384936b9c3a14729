/** JSONL read line by line across the stream's chunk boundaries. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readLines, type Line } from '../../../server/logs/lines';
import { tempDir } from '../../support/paths';

async function all(file: string, maxLineBytes: number): Promise<Line[]> {
  const lines: Line[] = [];
  for await (const line of readLines(file, { maxLineBytes })) lines.push(line);
  return lines;
}

describe('readLines', () => {
  const dir = tempDir('lines');
  after(() => dir.cleanup());

  it('returns every line of a file of several chunks intact, multi-byte characters included', async () => {
    // Lines of varied length, so that chunk boundaries (1 MiB) fall inside lines and characters.
    const expected = Array.from({ length: 3000 }, (_, i) => `${i}:${'é🎉x'.repeat((i * 37) % 900)}`);
    const file = join(dir.path, 'many.jsonl');
    writeFileSync(file, expected.join('\n') + '\n');
    const lines = await all(file, 1 << 20);
    assert.deepEqual(
      lines.map((line) => line.text),
      expected,
    );
    assert.deepEqual(
      lines.map((line) => line.number),
      expected.map((_, i) => i + 1),
    );
    assert.ok(lines.every((line) => !line.unterminated));
  });

  it('drops a line over the limit that spans chunks and keeps counting', async () => {
    const file = join(dir.path, 'long.jsonl');
    writeFileSync(file, `first\n${'y'.repeat(3 << 20)}\nthird\nlast without newline`);
    const lines = await all(file, 1 << 20);
    assert.deepEqual(
      lines.map((line) => [line.number, line.text, line.unterminated]),
      [
        [1, 'first', false],
        [2, undefined, false],
        [3, 'third', false],
        [4, 'last without newline', true],
      ],
    );
  });

  it('reads nothing from an empty file', async () => {
    const file = join(dir.path, 'empty.jsonl');
    writeFileSync(file, '');
    assert.deepEqual(await all(file, 100), []);
  });
});
