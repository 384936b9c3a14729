/**
 * The command line Parley types into the terminal named "Parley" for its runner
 * (extension/shellQuote.ts): each word must reach the program exactly, whatever it holds, in a
 * real bash, sh, zsh and fish (scripts/hands-env.sh installs the last two; a missing one fails).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { posixCommandLine, posixQuote } from '../../../extension/shellQuote';

const AWKWARD = ["it's", 'a b', '$HOME', '`id`', '$(id)', '"q"', '\\n', '*', '!x', '#c', ';', '&&', '|', '>f', '~', "''", 'é ü'];
const SHELLS = ['/bin/bash', '/bin/sh', '/usr/bin/zsh', '/usr/bin/fish'];

describe('posix command lines', () => {
  it('quotes a plain word and one with a quote', () => {
    assert.equal(posixQuote('abc'), "'abc'");
    assert.equal(posixQuote("it's"), "'it'\\''s'");
  });

  for (const shell of SHELLS) {
    it(`passes every word through ${shell} unchanged, with the variable set`, () => {
      assert.ok(existsSync(shell), `${shell} is missing: run scripts/hands-env.sh`);
      const script = 'console.log(JSON.stringify({ argv: process.argv.slice(1), e: process.env.PARLEY_QUOTE_TEST }))';
      const line = posixCommandLine([process.execPath, '-e', script, ...AWKWARD], { PARLEY_QUOTE_TEST: "x y'z" });
      const printed = JSON.parse(execFileSync(shell, ['-c', line], { encoding: 'utf8' })) as { argv: string[]; e: string };
      assert.deepEqual(printed.argv, AWKWARD);
      assert.equal(printed.e, "x y'z");
    });
  }

  it('refuses a variable name a shell would read as something else', () => {
    assert.throws(() => posixCommandLine(['true'], { 'A;B': '1' }), /not a variable name/);
  });
});
