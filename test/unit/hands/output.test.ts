/** Command output: bounded capture (head + tail, dropped bytes counted) and ANSI handling. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedCapture, keepSgr, stripAnsi } from '../../../server/hands/output';

describe('bounded output capture', () => {
  it('output within the bounds → kept whole, nothing dropped', () => {
    const capture = new BoundedCapture(10, 10);
    capture.push('hello ');
    capture.push('world');
    assert.equal(capture.text(), 'hello world');
    assert.equal(capture.tailText(), 'hello world');
    assert.equal(capture.droppedBytes, 0);
  });

  it('50 MB pushed in 64 KiB chunks → the first and last characters kept, the rest counted, memory flat', () => {
    const capture = new BoundedCapture(1000, 1000);
    const chunk = 'x'.repeat(64 * 1024 - 1) + '\n';
    const before = process.memoryUsage().heapUsed;
    capture.push('START');
    for (let i = 0; i < 800; i++) capture.push(chunk);
    capture.push('END');
    assert.ok(capture.text().startsWith('STARTxxx'));
    assert.ok(capture.text().endsWith('xxx\nEND'));
    assert.ok(capture.text().includes(`\n… ${capture.droppedBytes} bytes of output left out …\n`));
    assert.equal(capture.droppedBytes, 5 + 3 + 800 * 64 * 1024 - 2000);
    assert.equal(capture.tailText().length, 1000);
    assert.equal(capture.bytesBeforeTail, capture.droppedBytes + 1000);
    assert.ok(process.memoryUsage().heapUsed - before < 20 << 20, 'the capture does not keep what it dropped');
  });

  it('multi-byte characters dropped → counted in UTF-8 bytes', () => {
    const capture = new BoundedCapture(0, 2);
    capture.push('ééé');
    assert.equal(capture.tailText(), 'éé');
    assert.equal(capture.droppedBytes, 2);
  });
});

describe('ANSI escape sequences', () => {
  const coloured = '\u001b[1;31mFAIL\u001b[0m test \u001b]8;;https://x.example\u0007link\u001b]8;;\u0007 \u001b[2K\u001b[1Gdone\u001b]0;title\u0007';

  it('for a model → every sequence stripped (colours, cursor moves, hyperlinks, titles)', () => {
    assert.equal(stripAnsi(coloured), 'FAIL test link done');
  });

  it('for the panel → colours and styles (SGR) kept, everything else removed', () => {
    assert.equal(keepSgr(coloured), '\u001b[1;31mFAIL\u001b[0m test link done');
  });
});
