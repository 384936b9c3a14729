/**
 * The voice pipeline, assembled in this one place for the editor's microphone captures,
 * `parley voice` and the tests: the detector tuned as the settings say, the registry's recognizer
 * and voice, the conversation, and a sink to play into. The session it returns is not started.
 *
 *   const session = await createVoicePipeline({ settings, providers, conversation, sink, emit, log, nativeDir });
 *   await session.start();
 *   await session.push(pcm);
 */
import type { ServerFrame } from '../../protocol/live';
import type { ParleySettings } from '../../protocol/settings';
import type { Activity } from '../../protocol/status';
import type { Conversation } from '../conversation/conversation';
import type { Logger } from '../log';
import { priceTable } from '../pricing';
import type { ProviderRegistry } from '../providers/registry';
import type { AudioSink } from './playback/sink';
import { DEFAULT_VOICE_OPTIONS, VoiceSession, type VoiceSessionOptions } from './session';
import { SileroVad, vadOptionsFromSettings } from './vad';

export interface VoicePipelineOptions {
  settings: ParleySettings;
  providers: ProviderRegistry;
  conversation: Conversation;
  sink: AudioSink;
  emit(frame: ServerFrame): void;
  onActivity?(activity: Activity): void;
  log: Logger;
  /** The server's `dist/native` folder, where the packaged extension keeps the detector's model. */
  nativeDir?: string;
  /** The workspace's names, for the recognizer and the transcript (voice/vocabulary.ts); none on the command line. */
  vocabulary?: () => Promise<readonly string[]>;
  /** What the settings do not decide: a recording on the command line is hands-free, say. */
  session?: Partial<VoiceSessionOptions>;
}

/** How the session behaves, as the settings say. */
export function voiceSessionOptions(settings: ParleySettings, overrides: Partial<VoiceSessionOptions> = {}): VoiceSessionOptions {
  const { mode, eagerEndOfTurn, endOfThoughtMs, questionSilenceMs } = settings.voice;
  return { ...DEFAULT_VOICE_OPTIONS, mode, eagerEndOfTurn, endOfThoughtMs, questionSilenceMs, ...overrides };
}

/**
 * Builds a voice session. Throws a ProviderError with the status report's hint when no
 * recognizer or voice is set up, and the detector's error when its model cannot load.
 */
export async function createVoicePipeline(options: VoicePipelineOptions): Promise<VoiceSession> {
  const { settings, providers, log } = options;
  const stt = providers.stt(settings);
  const tts = providers.tts(settings);
  const vad = await SileroVad.load({ nativeDir: options.nativeDir, ...vadOptionsFromSettings(settings.voice) });
  const deps = {
    conversation: options.conversation,
    stt,
    tts,
    vad,
    sink: options.sink,
    emit: options.emit,
    onActivity: options.onActivity ?? (() => undefined),
    log,
    prices: priceTable(settings.pricing, settings.speechPricing),
    ...(options.vocabulary ? { vocabulary: options.vocabulary } : {}),
  };
  return new VoiceSession(deps, voiceSessionOptions(settings, options.session));
}
