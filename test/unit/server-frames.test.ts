/** What a webview takes from the server: every frame the server sends, in its declared shape, and nothing else. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerFrame } from '../../protocol/live';
import { parseServerFrame } from '../../protocol/serverFrames';
import { DEFAULT_SETTINGS } from '../../protocol/settings';
import type { ServerStatus, StatusReport } from '../../protocol/status';
import type { StoredTurn } from '../../protocol/session';

const status: ServerStatus = { health: 'ready', activity: 'idle', message: 'Parley is ready' };
const report: StatusReport = {
  versions: { parley: '0.1.0', node: '24.0.0', sqlite: '3.50.0', sqliteVec: 'v0.1.6', fts5: true },
  storage: { globalDir: '/g', workspaceDir: '/w', knowledgeDb: '/w/kb.db', sessionsDb: '/w/sessions.db', recovered: [] },
  providers: [{ stage: 'llm', provider: 'anthropic', model: '', baseUrl: '', configured: false, hint: 'Set an Anthropic key.' }],
  voice: DEFAULT_SETTINGS.voice,
  recorder: null,
  programs: [{ id: 'git', name: 'git', usedFor: 'repository review', path: '/usr/bin/git' }],
  live: { port: 41234, clients: 1 },
  pid: 4242,
  startedAt: 1_700_000_000_000,
};
const call = {
  id: 'call-1',
  name: 'search_notes',
  input: { query: 'deploy' },
  result: 'Deploy with make ship.',
  citations: [{ label: 'Deploy', path: '/notes/deploy.md', line: 3 }],
};
const turn: StoredTurn = {
  id: 7,
  sessionId: 's-1',
  role: 'assistant',
  text: 'Deploy with make ship.',
  interrupted: false,
  toolCalls: [call],
  metrics: { llmTtftMs: 120, voiceToVoiceMs: 640 },
  createdAt: 1_700_000_000_500,
};

/** One of each frame the server sends; typed, so a frame the schema no longer declares does not compile. */
const SAMPLES: ServerFrame[] = [
  { type: 'hello', report, status },
  { type: 'status', status },
  { type: 'report', report },
  { type: 'pong', id: 3 },
  { type: 'history', turns: [turn, { ...turn, id: 8, role: 'user', source: 'voice', toolCalls: [], metrics: undefined }] },
  { type: 'turn', turn },
  { type: 'answering', active: true },
  { type: 'assistantDelta', text: 'Deploy' },
  { type: 'toolCall', call: { id: 'call-2', name: 'read_file', input: { path: 'src/a.ts' } }, state: 'running' },
  { type: 'transcript', text: 'how do I dep', final: false, editable: true },
  { type: 'playback', action: 'start', answer: 2 },
  { type: 'playback', action: 'stop' },
  { type: 'capture', state: 'listening', source: 'webview', device: 'Built-in microphone' },
  { type: 'capture', state: 'stopped', reason: 'The microphone was unplugged.' },
  { type: 'notice', level: 'warning', message: 'The repository map is not available.' },
  { type: 'approval', id: 'a-1', kind: 'cell', command: 'print(1)', cwd: '/ws', reason: 'to check', language: 'python' },
  { type: 'approval', id: 'a-2', kind: 'command', command: 'npm test', cwd: '/ws', reason: 'run the tests', preapproved: true },
  { type: 'approvalState', id: 'a-1', state: 'denied' },
  { type: 'runOutput', id: 'a-2', stream: 'stderr', text: '\u001b[31mfailed\u001b[0m\n' },
  { type: 'runImage', id: 'a-1', png: 'iVBORw0KGgo=' },
  { type: 'runEnd', id: 'a-2', outcome: 'error', exitCode: 1, signal: null, ms: 812, droppedChars: 40 },
  { type: 'runEnd', id: 'a-3', outcome: 'killed', exitCode: null, signal: 'SIGKILL', ms: 30_000, reason: 'Stopped by the user.' },
  {
    type: 'allowedCommands',
    commands: [
      ['npm', 'test'],
      ['git', 'status'],
    ],
  },
];

describe('server frames', () => {
  it('are taken in their declared shapes, one sample of each', () => {
    for (const frame of SAMPLES) assert.deepEqual(parseServerFrame(JSON.stringify(frame)), { frame: JSON.parse(JSON.stringify(frame)) as unknown }, frame.type);
    const types = new Set(SAMPLES.map((frame) => frame.type));
    assert.equal(types.size, 19, 'every frame type has a sample');
  });

  it('refuse a frame of an unknown type, a wrong field and text that is not JSON, naming what is wrong', () => {
    const outcome = parseServerFrame(JSON.stringify({ type: 'runEnd', id: 'a-2', outcome: 'exploded', exitCode: 1, signal: null, ms: 3 }));
    assert.ok('error' in outcome && outcome.error.startsWith('outcome: '), JSON.stringify(outcome));
    for (const text of [
      JSON.stringify({ type: 'shell', command: 'rm -rf /' }),
      JSON.stringify({ type: 'turn', turn: { ...turn, toolCalls: 'none' } }),
      JSON.stringify({ type: 'playback', action: 'start' }),
      JSON.stringify({ type: 'capture', state: 'listening', source: 'telepathy' }),
      JSON.stringify({ type: 'hello', report: { ...report, voice: null }, status }),
      '{"type":"pong"',
      'null',
    ]) {
      assert.ok('error' in parseServerFrame(text), text);
    }
    assert.deepEqual(parseServerFrame('{"type":'), { error: 'it is not JSON' });
    const wrongTurn = parseServerFrame(JSON.stringify({ type: 'turn', turn: { ...turn, toolCalls: 'none' } }));
    assert.ok('error' in wrongTurn && wrongTurn.error.startsWith('turn.toolCalls: '), JSON.stringify(wrongTurn));
  });
});
