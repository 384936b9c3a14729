/**
 * A voice session over fakes only: a scripted recognizer and VAD, a model the test drives, a TTS
 * that speaks at once and a sink whose clock the test moves, with a real conversation and store
 * (SQLite in a throwaway folder). Barge-in, false alarms and eager turns run in milliseconds.
 */
import { join } from 'node:path';
import type { ServerFrame } from '../../../protocol/live';
import type { PriceTable } from '../../../protocol/pricing';
import type { StoredTurn } from '../../../protocol/session';
import { Conversation } from '../../../server/conversation/conversation';
import { createLogger } from '../../../server/log';
import { SessionStore } from '../../../server/sessions/store';
import { openDatabase } from '../../../server/storage/database';
import { SESSIONS_MIGRATIONS } from '../../../server/storage/migrations';
import { WorkspaceFolders } from '../../../server/tools/confine';
import { defineTool, type Tool } from '../../../server/tools/types';
import * as z from 'zod';
import { DEFAULT_VOICE_OPTIONS, VoiceSession, type VoiceSessionOptions } from '../../../server/voice/session';
import { tempDir } from '../paths';
import { FakeChatModel } from './model';
import { FakeSink } from './sink';
import { FakeStt } from './stt';
import { FakeTts } from './tts';
import { FakeVad } from './vad';

export { FakeChatModel, FakeReply } from './model';
export { FakeSink } from './sink';
export { FakeStt, FakeSttStream } from './stt';
export { FakeTts } from './tts';
export { FakeVad } from './vad';

/** 20 ms of microphone audio (what the content is does not matter to the fake VAD). */
export const MIC_CHUNK = Buffer.alloc(640);

/** A tool that records each run, for answers that act on the editor. */
export function recordingTool(runs: Record<string, unknown>[]): Tool {
  return defineTool({
    name: 'open_file',
    description: 'Opens a file in the editor.',
    input: z.object({ path: z.string() }),
    run: async (input) => {
      runs.push(input);
      return { content: 'opened' };
    },
  });
}

export interface FakeVoice {
  session: VoiceSession;
  conversation: Conversation;
  model: FakeChatModel;
  stt: FakeStt;
  vad: FakeVad;
  tts: FakeTts;
  sink: FakeSink;
  frames: ServerFrame[];
  turns(): StoredTurn[];
  close(): Promise<void>;
}

/** The answers the session committed. */
export const assistantTurns = (voice: FakeVoice): StoredTurn[] => voice.turns().filter((turn) => turn.role === 'assistant');

/** What the user said, turn by turn, as the session committed it. */
export const userTurns = (voice: FakeVoice): string[] =>
  voice
    .turns()
    .filter((turn) => turn.role === 'user')
    .map((turn) => turn.text);

/** Short waits, so a false alarm or a late recognizer is decided within a test's milliseconds. */
export const FAST_OPTIONS: VoiceSessionOptions = { ...DEFAULT_VOICE_OPTIONS, falseAlarmMs: 30, finalWaitMs: 60, endOfThoughtMs: 60 };

export async function fakeVoice(
  options: Partial<VoiceSessionOptions> = {},
  tools: Tool[] = [],
  prices?: PriceTable,
  vocabulary?: () => Promise<readonly string[]>,
): Promise<FakeVoice> {
  const dir = tempDir('fake-voice');
  const log = createLogger(() => undefined);
  const { db } = openDatabase({ file: join(dir.path, 'sessions.db'), migrations: SESSIONS_MIGRATIONS, nativeDir: '/nonexistent', log, label: 'sessions' });
  const store = new SessionStore(db);
  const sessionId = store.start();
  const frames: ServerFrame[] = [];
  const emit = (frame: ServerFrame) => frames.push(frame);
  const model = new FakeChatModel();
  const folders = new WorkspaceFolders([dir.path]);
  const toolContext = {
    folders,
    editorState: async () => ({ workspaceFolders: [], openFiles: [], diagnostics: [] }),
    showDocument: async () => false,
    applyEdit: async () => false,
  };
  const conversation = new Conversation({ store, sessionId, tools, emit, log, prepare: async () => ({ model, context: '', toolContext }) });
  const stt = new FakeStt();
  const vad = new FakeVad();
  const tts = new FakeTts();
  const sink = new FakeSink();
  const session = new VoiceSession(
    { conversation, stt, tts, vad, sink, emit, onActivity: () => undefined, log, ...(prices ? { prices } : {}), ...(vocabulary ? { vocabulary } : {}) },
    { ...FAST_OPTIONS, ...options },
  );
  await session.start();
  return {
    session,
    conversation,
    model,
    stt,
    vad,
    tts,
    sink,
    frames,
    turns: () => store.turns(sessionId),
    close: async () => {
      await session.close();
      db.close();
      dir.cleanup();
    },
  };
}
