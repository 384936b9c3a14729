import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CODE_HINT, ClauseSplitter, TABLE_HINT, type ClauseSplitterOptions } from '../../../server/voice/speech';

/** Feeds `text` in pieces of `size` characters, as a model stream would, and collects every clause. */
function split(text: string, size: number, options?: ClauseSplitterOptions): string[] {
  const splitter = new ClauseSplitter(options);
  const clauses: string[] = [];
  for (let i = 0; i < text.length; i += size) clauses.push(...splitter.push(text.slice(i, i + size)));
  return [...clauses, ...splitter.flush()];
}

/** Delta sizes that cut every construct at every possible place, up to the whole text at once. */
const DELTA_SIZES = [1, 2, 3, 7, 10_000];

const cases: { name: string; text: string; clauses: string[]; options?: ClauseSplitterOptions }[] = [
  {
    name: 'sentences end at . ? !',
    text: 'The test fails. Why? Because the mock is stale!',
    clauses: ['The test fails.', 'Why?', 'Because the mock is stale!'],
  },
  {
    name: 'semicolons and colons end clauses',
    text: 'Two things matter: the mock; the assertion.',
    clauses: ['Two things matter:', 'the mock;', 'the assertion.'],
  },
  {
    name: 'a comma splits only a clause of 20 characters or more',
    text: 'Yes, the mock returns null here, so the assertion fails.',
    clauses: ['Yes, the mock returns null here,', 'so the assertion fails.'],
  },
  {
    name: 'a comma in a number never splits',
    text: 'It allocated 1,000,000 buffers in the first loop, then crashed.',
    clauses: ['It allocated 1,000,000 buffers in the first loop,', 'then crashed.'],
  },
  {
    name: 'abbreviations do not end sentences',
    text: 'Use a fake, e.g. the one in tests. Mr. Smith wrote it, i.e. Bob vs. Alice.',
    clauses: ['Use a fake, e.g. the one in tests.', 'Mr. Smith wrote it, i.e. Bob vs. Alice.'],
  },
  {
    name: 'etc. ends a sentence only before a capital',
    text: 'Check logs, traces, etc. and retry. Add mocks, stubs, etc. Then rerun.',
    clauses: ['Check logs, traces, etc. and retry.', 'Add mocks, stubs, etc.', 'Then rerun.'],
  },
  {
    name: 'decimals, versions and file names do not split',
    text: 'Pi is 3.14 in main.ts on Node 24.1.0 today. Done.',
    clauses: ['Pi is 3.14 in main.ts on Node 24.1.0 today.', 'Done.'],
  },
  { name: 'initials do not split', text: 'J. R. R. Tolkien wrote it. Fine.', clauses: ['J. R. R. Tolkien wrote it.', 'Fine.'] },
  {
    name: 'closing quotes and brackets stay with their sentence',
    text: 'He said "stop." Then (quietly.) it ended.',
    clauses: ['He said "stop."', 'Then (quietly.)', 'it ended.'],
  },
  { name: 'an ellipsis ends a clause', text: 'Well... maybe not.', clauses: ['Well...', 'maybe not.'] },
  { name: 'the remainder comes out on flush', text: 'No punctuation at the end', clauses: ['No punctuation at the end'] },
  { name: 'every line end closes a clause', text: 'First line without a stop\nSecond line', clauses: ['First line without a stop', 'Second line'] },
  {
    name: 'a fenced code block is replaced by the hint once',
    text: 'Here is the fix:\n```ts\nconst a = 1. // never said\n```\nAnd the test:\n~~~\nexpect(a).toBe(1);\n~~~\nThat is all.',
    clauses: ['Here is the fix:', CODE_HINT, 'And the test:', 'That is all.'],
  },
  { name: 'a fence alone on its line, with no info string', text: 'Run this:\n```\nnpm test\n```\nDone.', clauses: ['Run this:', CODE_HINT, 'Done.'] },
  { name: 'a longer fence closes only with as many backticks', text: '````md\n```\nstill code\n````\nAfter.', clauses: [CODE_HINT, 'After.'] },
  { name: 'an unclosed fence drops the rest', text: 'Look:\n```py\nprint("hi")', clauses: ['Look:', CODE_HINT] },
  { name: 'the code hint can be turned off', text: 'Code:\n```\nx\n```\nEnd.', clauses: ['Code:', 'End.'], options: { codeHint: null } },
  { name: 'headings lose their marks', text: '## Why it fails\nThe mock.', clauses: ['Why it fails', 'The mock.'] },
  { name: 'a # without a space is not a heading', text: '#include is C.', clauses: ['#include is C.'] },
  {
    name: 'list markers go, each item is a clause',
    text: '- First fix the mock\n* Then rerun\n+ Done\n1. One\n2) Two',
    clauses: ['First fix the mock', 'Then rerun', 'Done', 'One', 'Two'],
  },
  { name: 'quotes lose their marks', text: '> Quoted advice here.\n> > Nested', clauses: ['Quoted advice here.', 'Nested'] },
  { name: 'rules are dropped', text: 'Above.\n---\n* * *\nBelow.', clauses: ['Above.', 'Below.'] },
  { name: 'a table is replaced by the hint once', text: 'Compare:\n| a | b |\n|---|---|\n| 1 | 2 |\nEnd.', clauses: ['Compare:', TABLE_HINT, 'End.'] },
  {
    name: 'emphasis is stripped, snake_case kept',
    text: 'This is **very** _important_ for my_var and *this* ~~old~~.',
    clauses: ['This is very important for my_var and this old.'],
  },
  { name: 'bold at a line start is not a list', text: '**Note:** the mock is stale.', clauses: ['Note:', 'the mock is stale.'] },
  {
    name: 'links become their text, URLs their host',
    text: 'See [the docs](https://example.com/a.b?c=d) and https://www.github.com/foo/bar/issues/12. Also <https://nodejs.org/api>.',
    clauses: ['See the docs and github.com.', 'Also nodejs.org.'],
  },
  {
    name: 'short inline code is read, long inline code is not',
    text: 'Call `run()` in `main.ts`. Not `npm test -- --watch --coverage --runInBand`.',
    clauses: ['Call run in main.ts.', 'Not the code in the panel.'],
  },
  { name: 'punctuation inside inline code does not split', text: 'Set `a.b; c: d` first. Then go.', clauses: ['Set a.b; c: d first.', 'Then go.'] },
  { name: 'underscores inside inline code survive', text: 'Edit `__init__.py` now.', clauses: ['Edit __init__.py now.'] },
  { name: 'HTML tags and footnotes go', text: 'Line one<br>line two[^1].', clauses: ['Line one line two.'] },
  { name: 'a clause without letters joins the next', text: 'Steps: 1. install it. 2. run it.', clauses: ['Steps:', '1. install it.', '2. run it.'] },
  {
    name: 'a run-on clause is cut at a space once it is too long',
    text: 'word '.repeat(30).trim(),
    clauses: ['word '.repeat(12).trim(), 'word '.repeat(12).trim(), 'word '.repeat(6).trim()],
    options: { maxClauseChars: 60 },
  },
  { name: 'nothing speakable gives nothing', text: '```\ncode only\n```', clauses: [CODE_HINT] },
  { name: 'empty text gives nothing', text: '', clauses: [] },
  { name: 'Windows line ends', text: 'One.\r\nTwo.\r\n', clauses: ['One.', 'Two.'] },
];

describe('clause splitter', () => {
  for (const { name, text, clauses, options } of cases) {
    it(name, () => {
      for (const size of DELTA_SIZES) assert.deepEqual(split(text, size, options), clauses, `in deltas of ${size}`);
    });
  }

  it('gives a clause out as soon as its end is certain, before the reply ends', () => {
    const splitter = new ClauseSplitter();
    assert.deepEqual(splitter.push('The test fails because'), []);
    assert.deepEqual(splitter.push(' the mock is stale.'), [], 'a period at the end may still be "e.g."');
    assert.deepEqual(splitter.push(' Fix'), ['The test fails because the mock is stale.']);
    assert.deepEqual(splitter.push(' it? '), ['Fix it?']);
  });

  it('says the code hint once per reply, again after flush or reset', () => {
    const splitter = new ClauseSplitter();
    const reply = 'A:\n```\nx\n```\nB:\n```\ny\n```\n';
    assert.deepEqual([...splitter.push(reply), ...splitter.flush()], ['A:', CODE_HINT, 'B:']);
    assert.deepEqual([...splitter.push(reply), ...splitter.flush()], ['A:', CODE_HINT, 'B:']);
    splitter.push('Half a sentence and ```');
    splitter.reset();
    assert.deepEqual([...splitter.push('Fresh. '), ...splitter.flush()], ['Fresh.']);
  });
});
