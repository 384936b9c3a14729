/**
 * What decides whether a command runs: the command line split without a shell, the always-allow
 * list matched on whole commands, the approval card's answer, and denials counted per answer.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ServerFrame } from '../../../protocol/live';
import { Approvals, isSpokenStop, parseCommandLine, PANEL_OUTPUT_CHARS, type RunEnd } from '../../../server/hands/approval';
import { createLogger } from '../../../server/log';
import { SessionStore } from '../../../server/sessions/store';
import { openDatabase } from '../../../server/storage/database';
import { SESSIONS_MIGRATIONS } from '../../../server/storage/migrations';
import { Denials, MAX_DENIALS } from '../../../server/tools/builtin/runCommand';
import { tempDir } from '../../support/paths';
import { waitFor } from '../../support/poll';

const argvOf = (line: string) => {
  const parsed = parseCommandLine(line);
  return 'argv' in parsed ? parsed.argv : undefined;
};
const problemOf = (line: string) => {
  const parsed = parseCommandLine(line);
  return 'problem' in parsed ? parsed.problem : undefined;
};

describe('command lines', () => {
  it('splits a plain command as a POSIX shell quotes it', () => {
    assert.deepEqual(argvOf('npm test'), ['npm', 'test']);
    assert.deepEqual(argvOf(`node -e "console.log('a; b')"`), ['node', '-e', "console.log('a; b')"]);
    assert.deepEqual(argvOf("grep -n 'a|b' src/x.ts"), ['grep', '-n', 'a|b', 'src/x.ts']);
    assert.deepEqual(argvOf("echo '$HOME'"), ['echo', '$HOME']);
    assert.deepEqual(argvOf('git  commit   -m "two words"'), ['git', 'commit', '-m', 'two words']);
  });

  it('refuses every line a shell would do more with than run one program', () => {
    const cases: [string, RegExp][] = [
      ['git status; rm -rf ~', /shell operator ;/],
      ['npm test && git push', /shell operator &&/],
      ['npm test || true', /shell operator \|\|/],
      ['cat package.json | head', /shell operator \|/],
      ['npm test > out.txt', /shell operator >/],
      ['sort < names.txt', /shell operator </],
      ['sleep 100 &', /shell operator &/],
      ['echo $(whoami)', /substitution/],
      ['echo `whoami`', /backticks/],
      ['echo "$HOME"', /substitution/],
      ['echo ${PATH}', /substitution/],
      ['ls *.ts', /glob pattern \*\.ts/],
      ['ls src/?', /glob pattern/],
      ['FOO=1 npm test', /variable assignment \(FOO=1\)/],
      ['npm test # and more', /comment/],
      ['npm test\nrm -rf ~', /more than one line/],
    ];
    for (const [line, why] of cases) {
      const problem = problemOf(line);
      assert.ok(problem, `${line} was accepted`);
      assert.match(problem, why, line);
      assert.match(problem, /one command per call/, line);
    }
    assert.equal(problemOf('   '), 'The command is empty.');
  });
});

const log = createLogger(() => undefined);

describe('the always-allow list', () => {
  const dir = tempDir('allow-list');
  const { db } = openDatabase({ file: join(dir.path, 'sessions.db'), migrations: SESSIONS_MIGRATIONS, nativeDir: '/nonexistent', log, label: 'sessions' });
  const store = new SessionStore(db);
  after(() => {
    db.close();
    dir.cleanup();
  });

  it('matches the whole parsed command, never a prefix, a longer command or a different split', () => {
    store.allowCommand(['git', 'status']);
    assert.equal(store.isAllowed(argvOf('git status')!), true);
    assert.equal(store.isAllowed(argvOf('git   status')!), true, 'spacing does not change the words');
    assert.equal(store.isAllowed(['git']), false);
    assert.equal(store.isAllowed(['git', 'status', '--porcelain']), false);
    assert.equal(store.isAllowed(['git status']), false, 'one word "git status" is another command');
    assert.equal(store.isAllowed(['git', 'status;', 'rm', '-rf', '~']), false);
    assert.equal(parseCommandLine('git status; rm -rf ~').hasOwnProperty('argv'), false, 'and that line never parses to argv at all');
  });

  it('lists, keeps once and removes commands', () => {
    store.allowCommand(['npm', 'test']);
    store.allowCommand(['npm', 'test']);
    assert.deepEqual(store.allowedCommands(), [
      ['git', 'status'],
      ['npm', 'test'],
    ]);
    store.disallowCommand(['git', 'status']);
    assert.deepEqual(store.allowedCommands(), [['npm', 'test']]);
    assert.equal(store.isAllowed(['git', 'status']), false);
  });
});

describe('approval cards', () => {
  const request = { kind: 'command' as const, command: 'npm test', cwd: 'the workspace folder', reason: 'Run the tests' };
  const cards = () => {
    const frames: ServerFrame[] = [];
    return { frames, approvals: new Approvals((frame) => frames.push(frame)) };
  };
  const shownCard = (frames: ServerFrame[]) =>
    waitFor(() => frames.find((frame): frame is Extract<ServerFrame, { type: 'approval' }> => frame.type === 'approval'), { what: 'the card' });

  it('waits for the answer to its own card, and an unknown or repeated answer decides nothing', async () => {
    const { frames, approvals } = cards();
    const asked = approvals.ask(request, new AbortController().signal);
    const card = await shownCard(frames);
    assert.deepEqual({ ...card, id: undefined }, { type: 'approval', id: undefined, ...request });
    assert.equal(approvals.answer('not-this-card', 'run'), false);
    assert.equal(approvals.answer(card.id, 'run', true), true);
    assert.equal(approvals.answer(card.id, 'deny'), false);
    assert.deepEqual(await asked, { id: card.id, always: true });
  });

  it('shows no card and waits for nothing when no panel is open, and shows a waiting card to a panel that opens', async () => {
    let panels = 0;
    const frames: ServerFrame[] = [];
    const approvals = new Approvals(
      (frame) => frames.push(frame),
      () => panels,
    );
    assert.equal(await approvals.ask(request, new AbortController().signal), 'no panel');
    assert.deepEqual(frames, []);
    panels = 1;
    const asked = approvals.ask(request, new AbortController().signal);
    const card = await shownCard(frames);
    assert.deepEqual(approvals.waiting, [card]);
    approvals.answer(card.id, 'deny');
    assert.equal(await asked, 'denied');
    assert.deepEqual(approvals.waiting, []);
  });

  it('says denied, and cancels the card when the answer stops first', async () => {
    const { frames, approvals } = cards();
    const denied = approvals.ask(request, new AbortController().signal);
    approvals.answer((await shownCard(frames)).id, 'deny');
    assert.equal(await denied, 'denied');

    const stop = new AbortController();
    const later = cards();
    const cancelled = later.approvals.ask(request, stop.signal);
    const card = await shownCard(later.frames);
    stop.abort();
    assert.equal(await cancelled, undefined);
    assert.equal(later.approvals.answer(card.id, 'run'), false, 'a late approval finds no card');
    assert.deepEqual(later.frames.at(-1), { type: 'approvalState', id: card.id, state: 'cancelled' });
  });

  it('streams a run with its colours and without other escape sequences, its first output at once and the rest gathered', async () => {
    const { frames, approvals } = cards();
    const { id } = approvals.preapproved(request);
    await approvals.run(id, new AbortController().signal, async (_signal, onOutput) => {
      onOutput('stdout', '\u001b[31mred\u001b[0m\u001b]0;title\u0007 ');
      onOutput('stdout', 'and ');
      onOutput('stdout', 'more');
      onOutput('stderr', 'oops');
      return { outcome: 'error', exitCode: 1, signal: null, ms: 3, output: '' };
    });
    assert.deepEqual(frames.slice(1), [
      { type: 'approvalState', id, state: 'running' },
      { type: 'runOutput', id, stream: 'stdout', text: '\u001b[31mred\u001b[0m ' },
      { type: 'runOutput', id, stream: 'stdout', text: 'and more' },
      { type: 'runOutput', id, stream: 'stderr', text: 'oops' },
      { type: 'runEnd', id, outcome: 'error', exitCode: 1, signal: null, ms: 3 },
    ]);
  });

  it('holds back an escape sequence a chunk ends inside until the rest of it comes', async () => {
    const { frames, approvals } = cards();
    const { id } = approvals.preapproved(request);
    await approvals.run(id, new AbortController().signal, async (_signal, onOutput) => {
      onOutput('stdout', 'a \u001b[3');
      await waitFor(() => frames.some((frame) => frame.type === 'runOutput'), { what: 'the first part' });
      onOutput('stdout', '1mred\u001b[0m');
      return { outcome: 'ok', exitCode: 0, signal: null, ms: 1, output: '' };
    });
    const texts = frames.flatMap((frame) => (frame.type === 'runOutput' ? [frame.text] : []));
    assert.deepEqual(texts, ['a ', '\u001b[31mred\u001b[0m']);
  });

  it('streams a run in few frames, cuts a flood short with the end of the output, and stops on Stop', async () => {
    const { frames, approvals } = cards();
    const { id } = approvals.preapproved(request);
    const flood = 'x'.repeat(1000);
    const end: RunEnd = { outcome: 'killed', exitCode: null, signal: 'SIGTERM', ms: 5, output: 'THE END' };
    const result = await approvals.run(id, new AbortController().signal, async (signal, onOutput) => {
      for (let i = 0; i < 400; i++) onOutput(i % 2 ? 'stderr' : 'stdout', flood);
      onOutput('stdout', 'past the cap');
      assert.equal(approvals.stop(id), true);
      assert.equal(signal.aborted, true);
      return end;
    });
    assert.equal(result, end);
    const output = frames.filter((frame) => frame.type === 'runOutput');
    const streamed = output.slice(0, -1).reduce((sum, frame) => sum + (frame.type === 'runOutput' ? frame.text.length : 0), 0);
    assert.equal(streamed, PANEL_OUTPUT_CHARS);
    assert.match(JSON.stringify(output.at(-1)), /characters not shown; the end of the output:\\nTHE END/);
    assert.deepEqual(frames.at(-1), {
      type: 'runEnd',
      id,
      outcome: 'killed',
      exitCode: null,
      signal: 'SIGTERM',
      ms: 5,
      droppedChars: 400 * 1000 + 'past the cap'.length - PANEL_OUTPUT_CHARS,
    });
    assert.equal(approvals.stop(id), false, 'nothing runs once it ended');
  });
});

describe('a spoken stop', () => {
  it('is a final transcript of only the word stop', () => {
    for (const text of ['stop', 'Stop.', ' STOP! ', '…stop']) assert.equal(isSpokenStop(text), true, text);
    for (const text of ['yes', 'stop the server and run it again', 'nonstop', 'stopwatch', 'run it']) assert.equal(isSpokenStop(text), false, text);
  });

  it('stops what runs, and not for an interim or a push-to-talk transcript the user still reviews', async () => {
    const approvals = new Approvals(() => undefined);
    const { id } = approvals.preapproved({ kind: 'command', command: 'npm test', cwd: '.', reason: 'Tests' });
    let aborted: AbortSignal | undefined;
    const running = approvals.run(id, new AbortController().signal, async (signal) => {
      aborted = signal;
      approvals.heard({ type: 'transcript', text: 'stop', final: false });
      approvals.heard({ type: 'transcript', text: 'stop', final: true, editable: true });
      assert.equal(signal.aborted, false);
      approvals.heard({ type: 'transcript', text: 'Stop.', final: true });
      return { outcome: signal.aborted ? 'killed' : 'ok', exitCode: null, signal: null, ms: 1, output: '' };
    });
    assert.equal((await running).outcome, 'killed');
    assert.equal(aborted?.aborted, true);
  });
});

describe('denials', () => {
  it(`withdraw the tool for an answer after ${MAX_DENIALS} denials of one command, and only for that answer`, () => {
    const denials = new Denials();
    const answer = new AbortController().signal;
    const next = new AbortController().signal;
    denials.add(answer, 'npm test');
    denials.add(answer, 'npm run lint');
    assert.equal(denials.exhausted(answer), false);
    denials.add(answer, 'npm test');
    assert.equal(denials.exhausted(answer), true);
    assert.equal(denials.exhausted(next), false);
  });
});
