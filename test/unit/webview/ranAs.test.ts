/**
 * The approval card says how a command runs: before it starts either way is possible; once it
 * runs, in the terminal named "Parley" through its shell integration, or as a child process of
 * Parley with the reason it did not run in the terminal.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ranAsText } from '../../../webview/cards';

describe('how the card says a command runs', () => {
  it('names the shell integration when the command runs in the Parley terminal', () => {
    assert.match(ranAsText({ via: 'terminal' }), /^Runs in the terminal named "Parley" \(shell integration\)/);
  });

  it('names the child process and why the terminal was not used', () => {
    const text = ranAsText({ via: 'child', why: 'the terminal has no shell integration' });
    assert.match(text, /^Runs as a child process of Parley \(the terminal has no shell integration\), without a shell/);
    assert.match(text, /output also shows in the terminal named "Parley output"/);
    assert.doesNotMatch(ranAsText({ via: 'child' }), /\(/);
  });

  it('promises neither before the run starts', () => {
    assert.doesNotMatch(ranAsText(), /child process|shell integration/);
  });
});
