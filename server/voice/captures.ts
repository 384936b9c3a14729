/**
 * Microphone captures from webviews. One capture at a time for the window: starting one stops any
 * other, since two microphones talking to one conversation would answer everything twice. A
 * capture that cannot start (no recognizer configured, the VAD model missing) is stopped at once
 * with the reason, and everything that needs no voice keeps working.
 */
import type { CaptureSource, ServerFrame } from '../../protocol/live';
import type { ParleySettings } from '../../protocol/settings';
import type { Activity } from '../../protocol/status';
import type { Conversation } from '../conversation/conversation';
import type { LiveClient } from '../live/server';
import { errorMessage, type Logger } from '../log';
import type { ProviderRegistry } from '../providers/registry';
import { pcmBytesFor } from '../audio/pcm';
import { findRecorder, NativeRecorder, NO_RECORDER_HINT } from './capture/native';
import { LiveSink } from './playback/liveSink';
import { createVoicePipeline } from './pipeline';
import type { VoiceSession } from './session';
import { settlesWithin } from '../settles';

/** How long a stopped capture waits for the recognizer to finish the last turn. */
const END_INPUT_WAIT_MS = 15_000;

export interface CaptureDeps {
  conversation: Conversation;
  settings(): Promise<ParleySettings>;
  providers: ProviderRegistry;
  nativeDir: string;
  emit(frame: ServerFrame): void;
  onActivity(activity: Activity): void;
  log: Logger;
  /** The workspace's names for the voice (vocabulary.ts), read when a capture starts and as turns go on. */
  vocabulary?: () => Promise<readonly string[]>;
}

interface Capture {
  client: LiveClient;
  session: VoiceSession;
  recorder?: NativeRecorder;
  /** Feeds the client's audio into the session (absent for a recorder). */
  push?: (pcm: Buffer) => void;
  /** Pushes run in order; each waits for the one before. */
  pushing: Promise<void>;
}

/** Audio kept while a capture opens: a client starts its microphone when it asks, not when the server answers. */
const MAX_EARLY_AUDIO_BYTES = pcmBytesFor(30_000);

export class Captures {
  private current: Capture | undefined;

  constructor(private readonly deps: CaptureDeps) {}

  async start(client: LiveClient, source: CaptureSource): Promise<void> {
    // Audio that arrives while the session opens (settings, VAD, recognizer) is kept and fed in
    // first, so the first words are not lost and the client is not closed for sending them.
    const early: Buffer[] = [];
    let earlyBytes = 0;
    const hold = (pcm: Buffer) => {
      if (earlyBytes + pcm.length > MAX_EARLY_AUDIO_BYTES) return;
      early.push(pcm);
      earlyBytes += pcm.length;
    };
    if (source !== 'native') client.onAudio = hold;
    await this.stopCurrent();
    const { deps } = this;
    try {
      const recorderCommand = source === 'native' ? findRecorder() : undefined;
      if (source === 'native' && !recorderCommand) throw new Error(NO_RECORDER_HINT);
      const session = await createVoicePipeline({ ...deps, settings: await deps.settings(), sink: new LiveSink(client) });
      await session.start();
      const capture: Capture = { client, session, pushing: Promise.resolve() };
      this.current = capture;
      const push = (pcm: Buffer) => {
        capture.pushing = capture.pushing
          .then(() => session.push(pcm))
          .catch((error: unknown) => deps.log.warn('Voice input failed', { error: errorMessage(error) }));
      };
      if (recorderCommand) {
        capture.recorder = new NativeRecorder(recorderCommand);
        capture.recorder.start(push, (reason) => void this.stopCurrent(reason));
      } else {
        early.splice(0).forEach(push);
        capture.push = push;
        client.onAudio = push;
      }
      client.send({ type: 'capture', state: 'listening', source, ...(recorderCommand ? { device: recorderCommand.program } : {}) });
      deps.log.info('Listening', { source, recorder: recorderCommand?.program });
    } catch (error) {
      if (client.onAudio === hold) client.onAudio = undefined;
      client.send({ type: 'capture', state: 'stopped', reason: errorMessage(error) });
      deps.log.warn('Listening could not start', { error: errorMessage(error) });
    }
  }

  /** The capture's voice session, if this client is the one listening. */
  sessionOf(client: LiveClient): VoiceSession | undefined {
    return this.current?.client === client ? this.current.session : undefined;
  }

  /** Push-to-talk, in order with the audio already received: a release ends the turn after its last frame. */
  talk(client: LiveClient, pressed: boolean): Promise<void> {
    const capture = this.current?.client === client ? this.current : undefined;
    if (!capture) return Promise.resolve();
    capture.pushing = capture.pushing
      .then(() => capture.session.talk(pressed))
      .catch((error: unknown) => this.deps.log.warn('Push-to-talk failed', { error: errorMessage(error) }));
    return capture.pushing;
  }

  /** Stops the capture of this client (or any, without one); `reason`, when the user did not ask, is told to the panel. */
  async stop(client?: LiveClient, reason?: string): Promise<void> {
    if (!client || this.current?.client === client) await this.stopCurrent(reason);
  }

  private async stopCurrent(reason?: string): Promise<void> {
    const capture = this.current;
    if (!capture) return;
    this.current = undefined;
    this.deps.log.info('Stopping the capture', { reason: reason ?? 'asked to' });
    // Only this capture's feed: the same client may already be opening the next one.
    if (capture.client.onAudio === capture.push) capture.client.onAudio = undefined;
    capture.recorder?.stop();
    await capture.pushing;
    // The microphone stopped (the user, a recorder that exited, a page that closed): the words
    // said up to here are still transcribed and committed as a turn, within a bound.
    const ended = capture.session.endInput().catch((error: unknown) => this.deps.log.warn('Finishing the last turn failed', { error: errorMessage(error) }));
    if (!(await settlesWithin(ended, END_INPUT_WAIT_MS)))
      this.deps.log.warn('The last turn was still being transcribed when listening stopped; it was dropped', { waitedMs: END_INPUT_WAIT_MS });
    await capture.session.close().catch((error: unknown) => this.deps.log.warn('Closing the voice session failed', { error: errorMessage(error) }));
    capture.client.send({ type: 'capture', state: 'stopped', ...(reason ? { reason } : {}) });
    if (reason) this.deps.log.warn('Listening stopped', { reason });
    this.deps.onActivity('idle');
  }
}
