/**
 * The voice loop: microphone PCM in, spoken answers out.
 *
 *   audio → Silero VAD ─ speech start ─→ open an STT turn (with the padded start of the speech)
 *                      └ speech end ──→ endTurn(): the recognizer finalizes
 *   STT endOfTurn(text) → the conversation answers; its text is split into clauses → TTS → sink
 *
 * Each answer is an AnswerTurn (conversation/answer.ts) that this loop presents: its text streams
 * to the clause splitter and TTS, then the loop waits for the sink to report the audio played out
 * (or for the user to cut in), records what was heard and the voice's latencies, and commits it.
 *
 * A recognizer that finds turns itself (Flux, `stt.continuous`) hears the whole microphone stream
 * instead, and its end of turn is what answers; the VAD then serves barge-in.
 *
 * Eager end of turn: when the recognizer says a turn is probably over, the answer starts at once
 * but is held — nothing spoken, shown or committed — until the end of turn confirms the same
 * words; a resumed turn or different words drop it unseen, and the final words are answered.
 *
 * Barge-in: speech starting while the answer plays pauses playback at once. If words follow, the
 * answer is stopped (model and TTS aborted, Clear sent) and only what was heard is kept in
 * history, marked interrupted; if none follow within `falseAlarmMs`, playback resumes.
 *
 * Parley's own voice in the microphone (speakers, no headset) is not a barge-in: speech that starts
 * while an answer plays is first compared with what is playing (echo.ts); while it is the answer's
 * echo, playback goes on and the comparison is repeated, so the user talking over the echo still
 * cuts in. Words heard over the answer that are the answer's own neither stop it nor are answered.
 *
 * Voice commands ("stop", "wait", "go on", "slower", "faster", "repeat that";
 * protocol/voiceCommands.ts) are said to the voice, not the model: while an answer is being given
 * they act on the first interim transcript that is one, otherwise on the end of the turn, and the
 * turn is never answered.
 */
import type { ServerFrame } from '../../protocol/live';
import type { PriceTable } from '../../protocol/pricing';
import type { SpeechUsage } from '../../protocol/session';
import type { Activity } from '../../protocol/status';
import { nextSpeechRate, voiceCommand, type VoiceCommand } from '../../protocol/voiceCommands';
import type { AnswerTurn } from '../conversation/answer';
import { MAX_WAITING_TURNS, type Conversation } from '../conversation/conversation';
import { notSent } from '../live/refusal';
import { errorMessage, type Logger } from '../log';
import { DEFAULT_PRICES, speechCost } from '../pricing';
import type { EndOfTurnReason, STT, SttEvent, SttStream } from '../providers/stt';
import type { TtsStage } from '../providers/tts/stage';
import type { TtsStream } from '../providers/tts/stream';
import { PcmHistory } from '../audio/history';
import type { AudioSink } from './playback/sink';
import { settlesWithin } from '../settles';
import { endOfThoughtWaitMs, thoughtState } from './endOfThought';
import { ECHO_WINDOW_MS, EchoGuard, ownWords } from './echo';
import { mapIdentifiers, spellings, type Spelling } from './identifiers';
import { ClauseSplitter, heardText, type SpokenSegment } from './speech';
import type { VoiceActivityDetector, VadEvent } from './vad';

export interface VoiceSessionDeps {
  conversation: Conversation;
  stt: STT;
  tts: TtsStage;
  vad: VoiceActivityDetector;
  sink: AudioSink;
  emit(frame: ServerFrame): void;
  onActivity(activity: Activity): void;
  log: Logger;
  /** What the recognizer's audio and the voice's text cost; absent: Parley's defaults. */
  prices?: PriceTable;
  /**
   * The names the user is likely to say (voice/vocabulary.ts), most relevant first: the recognizer
   * is given them, and spoken ones in a transcript are written as the names (identifiers.ts).
   */
  vocabulary?: () => Promise<readonly string[]>;
}

export interface VoiceSessionOptions {
  /** Hands-free (the VAD ends turns) or push-to-talk (the talk button does, and the transcript is offered for editing). */
  mode: 'handsFree' | 'pushToTalk';
  /** How long after a pause for speech words must come for it to count as a barge-in. */
  falseAlarmMs: number;
  /**
   * How long after the user stops the recognizer may take to give the words of that turn. A
   * recognizer that heard no words says nothing at all, so past this the pause was a false alarm.
   */
  finalWaitMs: number;
  /** Start answers on the recognizer's eager end of turn (hands-free only), held until the turn is confirmed. */
  eagerEndOfTurn: boolean;
  /**
   * Hands-free: how much longer a pause must last to end the turn when the words heard so far end
   * mid-thought ("and then the…"; endOfThought.ts). Needs a recognizer that gives words as the
   * user speaks; 0 turns it off.
   */
  endOfThoughtMs: number;
  /**
   * Hands-free: the silence that ends a turn whose words are a whole question (the recognizer put a
   * question mark at their end), when shorter than the VAD's own; 0 turns it off.
   */
  questionSilenceMs: number;
  /** Tell the answer's own echo in the microphone from the user (echo.ts); off, any speech over the answer pauses it. */
  echoCheck: boolean;
}

export const DEFAULT_VOICE_OPTIONS: VoiceSessionOptions = {
  mode: 'handsFree',
  falseAlarmMs: 1500,
  finalWaitMs: 3000,
  eagerEndOfTurn: false,
  endOfThoughtMs: 700,
  questionSilenceMs: 300,
  echoCheck: true,
};

/** How long the voice waits for the vocabulary before it starts listening without it. */
const VOCABULARY_WAIT_MS = 1_000;
/** The vocabulary is read again when a turn starts and it is older than this. */
const VOCABULARY_MAX_AGE_MS = 10_000;

/** Frames at or above this speech probability are voice, below QUIET silence; in between keeps what was going on. */
const VOICED = 0.5;
const QUIET = 0.35;

/** One answer as it is spoken: the turn it presents, and its voice. */
interface Speaking {
  turn: AnswerTurn;
  tts: TtsStream;
  splitter: ClauseSplitter;
  segments: SpokenSegment[];
  /** The audio the voice made for it, as made: what "repeat that" plays again. */
  audio: AudioChunk[];
  /** The text given to the voice so far: what an echo of it would say. */
  said: string;
  endOfSpeechAt?: number;
  /** Text given to the voice and audio it made, which is what voices bill. */
  characters: number;
  audioMs: number;
}

interface AudioChunk {
  pcm: Int16Array;
  sampleRate: number;
}

/** An answer started on an eager end of turn, waiting for the recognizer to confirm or drop it. */
interface Speculation {
  text: string;
  settle(confirmed: boolean): void;
  /** The recognizer's audio for the turn, known once the end of turn confirms it. */
  stt?: SpeechUsage;
}

export class VoiceSession {
  private stream: SttStream | undefined;
  private readonly history = new PcmHistory(3_000);
  private inSpeech = false;
  private speechHeard = false;
  /** When endTurn() was called, while the recognizer's final for that turn has not arrived. */
  private awaitingFinalSince: number | undefined;
  private endOfSpeechAt: number | undefined;
  /** Wall-clock time of the last frame the VAD heard as speech: the end of speech when the recognizer ends the turn first. */
  private lastVoiceAt: number | undefined;
  /** The words of the recognizer's current turn so far, as its latest interim transcript has them. */
  private turnWords = '';
  /** A pause after words that end mid-thought: the turn ends when this fires, unless speech resumes first. */
  private thoughtPause: NodeJS.Timeout | undefined;
  /** Stream time the current run of quiet frames began, while the user is speaking. */
  private quietSinceMs: number | undefined;
  /** The turn was ended on a whole question before the VAD heard the end of speech. */
  private endedOnQuestion = false;
  /**
   * A turn the recognizer ended on words that go on ("and then the"): held for `endOfThoughtMs` of
   * quiet, answered when that passes, or the start of the next turn when the user goes on.
   */
  private held: { text: string; stt: SpeechUsage; timer: NodeJS.Timeout | undefined } | undefined;
  /** End of the user's speech → the recognizer's final transcript, for the last turn. */
  private finalAfterSpeechMs: number | undefined;
  private speaking: Speaking | undefined;
  /** A pause for possible barge-in: how long from speech onset until playback paused, and the timer that resumes it. */
  private pendingBargeIn: { stopMs: number; timer: NodeJS.Timeout } | undefined;
  private speculation: Speculation | undefined;
  /** The voice command this turn's interim words were, acted on already: its end of turn is not acted on again. */
  private commandThisTurn: VoiceCommand | undefined;
  /** "wait" paused the answer: it stays paused until "go on", "stop" or a question. */
  private waiting = false;
  /** The voice's playback rate, as "slower" and "faster" set it. */
  private rate = 1;
  /** The last answer's audio and text, for "repeat that". */
  private lastAudio: AudioChunk[] | undefined;
  private lastSaid = '';
  /** What is being played, for telling its echo in the microphone from the user. */
  private readonly echo: EchoGuard;
  /** The current turn began while an answer was playing: its words may be the answer's own. */
  private turnOverPlayback = false;
  /** "repeat that" playing the last answer again, until it plays out or is stopped. */
  private replaying: AbortController | undefined;
  /** Push-to-talk: the recognizer's audio for the transcript the user is reviewing, until it is said. */
  private reviewedStt: SpeechUsage | undefined;
  private answers: Promise<void> = Promise.resolve();
  /** Answers in the chain: the one being given and those waiting behind it. */
  private queued = 0;
  private readonly controller = new AbortController();
  /** The workspace's names, and spelt for matching; when they were last asked for, and the request under way. */
  private names: readonly string[] = [];
  private spelled: Spelling[] = [];
  private vocabularyAt = -Infinity;
  private readingVocabulary: Promise<void> | undefined;

  constructor(
    private readonly deps: VoiceSessionDeps,
    private readonly options: VoiceSessionOptions = DEFAULT_VOICE_OPTIONS,
  ) {
    this.echo = new EchoGuard(this.history, () => deps.sink.playedMs(), deps.log);
  }

  async start(): Promise<void> {
    const names = await settlesWithin(this.readVocabulary(), VOCABULARY_WAIT_MS).then(() => this.names);
    this.stream = await this.deps.stt.open({ vocabulary: names }, this.controller.signal);
    this.stream.on('event', (event) => this.onStt(event));
    this.deps.tts.stream({ signal: this.controller.signal }).prepare?.();
    this.deps.onActivity('listening');
  }

  /** Microphone audio: 16 kHz mono s16le, any chunk size. */
  async push(pcm: Buffer): Promise<void> {
    this.history.append(pcm);
    if (this.options.mode === 'pushToTalk') {
      if (this.talking) this.stream?.push(pcm);
      return;
    }
    // A recognizer that finds turns itself hears everything, without waiting for the VAD.
    if (this.deps.stt.continuous) this.stream?.push(pcm);
    const wasInSpeech = this.inSpeech;
    const wasEcho = this.echo.hearingEcho;
    for (const event of await this.deps.vad.push(pcm)) this.onVad(event);
    // The chunk that started speech (or ended an echo) was sent with the history in onVad; an echo is not sent.
    if (this.inSpeech && wasInSpeech && !wasEcho && !this.echo.hearingEcho && !this.deps.stt.continuous) this.stream?.push(pcm);
  }

  private talking = false;

  /**
   * Push-to-talk. Pressing starts a turn and stops any answer being spoken at once (an explicit
   * barge-in); releasing ends the turn, and the transcript goes to the panel to be reviewed.
   */
  async talk(pressed: boolean): Promise<void> {
    if (pressed === this.talking) return;
    this.talking = pressed;
    if (pressed) {
      this.settleSpeculation(false);
      this.deps.onActivity('listening');
      this.waiting = false;
      this.replaying?.abort();
      const speaking = this.speaking;
      if (speaking) {
        this.deps.sink.pause();
        speaking.turn.metrics.bargeInStopMs = 0;
        speaking.turn.interrupt();
        await speaking.turn.finished;
      }
      return;
    }
    this.endOfSpeechAt = performance.now();
    this.awaitingFinalSince = this.endOfSpeechAt;
    this.stream?.endTurn('pushToTalk');
  }

  /**
   * A push-to-talk transcript the user reviewed (and maybe edited): answer it aloud, after the
   * answers before it. A panel sending reviewed turns faster than they can be answered is told
   * which were not taken, as the conversation tells typed ones, instead of queueing without end.
   */
  say(text: string): void {
    if (this.queued > MAX_WAITING_TURNS) return this.deps.emit(notSent('Parley is still answering your earlier messages', text));
    const stt = this.reviewedStt;
    this.reviewedStt = undefined;
    this.queue(() => this.answer(text, undefined, () => stt));
  }

  private queue(answer: () => Promise<void>): void {
    this.queued++;
    this.answers = this.answers
      .then(answer)
      .catch((error: unknown) => this.deps.log.warn('A spoken answer failed', { error: errorMessage(error) }))
      .finally(() => this.queued--);
  }

  /** Asks for the workspace's names; the recognizer and the mapping use them once they come. */
  private readVocabulary(): Promise<void> {
    const source = this.deps.vocabulary;
    if (!source) return Promise.resolve();
    this.readingVocabulary ??= (async () => {
      this.vocabularyAt = performance.now();
      try {
        this.names = await source();
        this.spelled = spellings(this.names);
        if (this.stream) this.stream.vocabulary = this.names;
      } catch (error) {
        this.deps.log.warn('The workspace vocabulary could not be read; names are heard as words', { error: errorMessage(error) });
      } finally {
        this.readingVocabulary = undefined;
      }
    })();
    return this.readingVocabulary;
  }

  /** `text` with the workspace's names that were said written as the names. */
  private named(text: string): string {
    if (this.spelled.length === 0) return text;
    const mapped = mapIdentifiers(text, this.spelled);
    if (mapped.names.length > 0) this.deps.log.debug('Names heard in the turn', { names: mapped.names });
    return mapped.text;
  }

  /** Whether the VAD has heard speech since the session started. */
  get heardSpeech(): boolean {
    return this.speechHeard;
  }

  /**
   * The microphone stopped (the input ended, a recorder exited, the page closed): speech still in
   * progress ends here, and the recognizer finishes the last turn, which is answered like any
   * other. Resolves once the recognizer is done.
   */
  async endInput(): Promise<void> {
    for (const event of await this.deps.vad.flush()) this.onVad(event);
    // Nothing more is coming: a pause mid-thought is the end after all.
    if (this.thoughtPause) this.endSpokenTurn();
    await this.stream?.finishInput();
    // A closed recognizer confirms nothing more, and a turn held for more words gets none.
    this.settleSpeculation(false);
    this.answerHeld();
  }

  /** The input ended: finish the last turn and wait until every answer has been given. */
  async finish(): Promise<void> {
    await this.endInput();
    await this.answers;
  }

  async close(): Promise<void> {
    this.controller.abort();
    this.replaying?.abort();
    clearTimeout(this.thoughtPause);
    this.settleSpeculation(false);
    this.dropHeld();
    this.cancelPendingBargeIn();
    await this.deps.conversation.cancel();
    await this.speaking?.tts.close();
    await this.stream?.close();
    await this.deps.vad.close();
  }

  private onVad(event: VadEvent): void {
    if (event.type === 'speechStart') {
      this.inSpeech = true;
      this.speechHeard = true;
      // The thought went on: the pause was not the end of the turn.
      clearTimeout(this.thoughtPause);
      this.thoughtPause = undefined;
      this.quietSinceMs = undefined;
      this.endOfSpeechAt = undefined;
      if (performance.now() - this.vocabularyAt > VOCABULARY_MAX_AGE_MS) void this.readVocabulary();
      this.turnOverPlayback ||= this.deps.sink.playing;
      // The answer's own echo: playback goes on, and the recognizer is not sent it.
      if (this.deps.sink.playing && this.options.echoCheck && this.echo.speechStarts(event.atMs)) return;
      if (!this.deps.stt.continuous) this.stream?.push(this.history.since(event.paddedStartMs));
      if (this.deps.sink.playing) this.pauseForBargeIn(event);
      this.deps.onActivity('listening');
    } else if (event.type === 'frame') {
      if (event.speaking && event.probability >= VOICED) this.lastVoiceAt = performance.now() - (this.deps.vad.streamMs - event.endMs);
      this.watchForQuestionEnd(event);
      if (this.held && event.probability >= VOICED) this.waitOutHeld();
      const userSinceMs = this.echo.frame(event);
      if (userSinceMs !== undefined) this.talkingOverEcho(event, userSinceMs);
    } else if (event.type === 'speechEnd') {
      this.inSpeech = false;
      this.quietSinceMs = undefined;
      // Only the answer's echo was heard: no turn to end.
      if (this.echo.speechEnds()) {
        this.turnOverPlayback = false;
        return;
      }
      // The turn already ended on its question; this is the same silence, heard out.
      if (this.endedOnQuestion) {
        this.endedOnQuestion = false;
        return;
      }
      // Speech really ended at endMs; the VAD confirms it a hangover later, at atMs.
      this.endOfSpeechAt = performance.now() - (event.atMs - event.endMs);
      const wait = endOfThoughtWaitMs(this.turnWords, this.options.endOfThoughtMs);
      if (wait === 0) return this.endSpokenTurn();
      this.deps.log.debug('A pause mid-thought: waiting longer before ending the turn', { waitMs: wait });
      this.thoughtPause = setTimeout(() => this.endSpokenTurn(), wait);
    }
  }

  /**
   * A whole question ends the turn after `questionSilenceMs` of quiet frames, before the VAD's
   * longer silence. Should the user go on after all, the VAD's end of speech ends what follows as
   * a turn of its own.
   */
  private watchForQuestionEnd(frame: Extract<VadEvent, { type: 'frame' }>): void {
    if (frame.probability >= VOICED) {
      this.quietSinceMs = undefined;
      this.endedOnQuestion = false;
      return;
    }
    if (!this.inSpeech || this.endedOnQuestion || this.options.questionSilenceMs <= 0 || frame.probability >= QUIET) return;
    this.quietSinceMs ??= frame.startMs;
    if (frame.endMs - this.quietSinceMs < this.options.questionSilenceMs || thoughtState(this.turnWords) !== 'question') return;
    this.endedOnQuestion = true;
    this.endOfSpeechAt = performance.now() - (this.deps.vad.streamMs - this.quietSinceMs);
    this.deps.log.debug('A whole question and a short silence: ending the turn', { quietMs: frame.endMs - this.quietSinceMs });
    this.endSpokenTurn();
  }

  /** The user is talking over the answer's echo since stream time `sinceMs`: a barge-in, and the recognizer hears them from just before. */
  private talkingOverEcho(frame: Extract<VadEvent, { type: 'frame' }>, sinceMs: number): void {
    if (!this.deps.stt.continuous) this.stream?.push(this.history.since(sinceMs - ECHO_WINDOW_MS));
    if (this.deps.sink.playing)
      this.pauseForBargeIn({ type: 'speechStart', createdAt: frame.createdAt, startMs: sinceMs, paddedStartMs: sinceMs, atMs: frame.endMs });
    this.deps.onActivity('listening');
  }

  /** The VAD heard the user stop (and, mid-thought, stay silent): the recognizer finishes the turn. */
  private endSpokenTurn(): void {
    clearTimeout(this.thoughtPause);
    this.thoughtPause = undefined;
    this.awaitingFinalSince = performance.now();
    this.stream?.endTurn('vad');
  }

  private onStt(event: SttEvent): void {
    switch (event.type) {
      case 'interim': {
        this.turnWords = event.text;
        if (this.held && /\w/.test(event.text)) this.waitOutHeld();
        this.deps.emit({ type: 'transcript', text: joinWords(this.held?.text, event.text), final: false });
        // Said over an answer, a command acts on what is playing now, not when the turn ends.
        const command = this.held ? undefined : voiceCommand(event.text);
        if (command && this.answerUnderWay() && this.commandThisTurn === undefined) {
          this.commandThisTurn = command;
          return this.command(command, event.text);
        }
        if (this.pendingBargeIn && /\w/.test(event.text) && !command && !(this.options.echoCheck && this.echoed(event.text))) void this.confirmBargeIn();
        return;
      }
      case 'eagerEndOfTurn':
        // A command is acted on when the turn ends, never answered.
        if (voiceCommand(event.text)) return;
        return this.speculate(event.text);
      case 'turnResumed':
        return this.settleSpeculation(false);
      case 'endOfTurn':
        return this.onEndOfTurn(event.text, this.sttUsage(event.provider, event.audioMs), event.reason);
      case 'error':
        // A recognizer that failed for good will not confirm a held answer.
        if (event.fatal) this.settleSpeculation(false);
        this.deps.emit({ type: 'notice', level: 'error', message: event.error.message });
        return;
      default:
        return;
    }
  }

  /** What the recognizer was sent for a turn, priced. */
  private sttUsage(provider: string, audioMs: number): SpeechUsage {
    const usage = { provider, model: this.deps.stt.model, audioSeconds: audioMs / 1000 };
    const cost = speechCost(this.deps.prices ?? DEFAULT_PRICES, usage);
    return { ...usage, ...(cost === undefined ? {} : { costUsd: cost }) };
  }

  /** What the voice was given and made for an answer, priced; undefined when it was given nothing. */
  private ttsUsage(speaking: Speaking): SpeechUsage | undefined {
    if (!this.deps.tts.speaks || speaking.characters === 0) return undefined;
    const { provider, model } = this.deps.tts;
    const usage = { provider, model, audioSeconds: speaking.audioMs / 1000, characters: speaking.characters };
    const cost = speechCost(this.deps.prices ?? DEFAULT_PRICES, usage);
    return { ...usage, ...(cost === undefined ? {} : { costUsd: cost }) };
  }

  private onEndOfTurn(said: string, saidStt: SpeechUsage, reason: EndOfTurnReason, mayHold = true): void {
    this.awaitingFinalSince = undefined;
    const held = this.held;
    // While a turn is held, an empty one (the VAD's end of a pause the recognizer had ended already) adds nothing.
    if (held && !/\w/.test(said)) return;
    const text = joinWords(held?.text, said);
    const stt = held ? addAudio(held.stt, saidStt) : saidStt;
    this.dropHeld();
    const command = voiceCommand(text);
    const actedOn = this.commandThisTurn;
    this.commandThisTurn = undefined;
    const overPlayback = this.turnOverPlayback;
    this.turnOverPlayback = false;
    if (command) return this.commandTurnEnded(command, text, actedOn === command);
    if (overPlayback && this.options.echoCheck && this.echoed(text)) {
      this.deps.log.info('Heard Parley’s own voice through the microphone; not taken as a question');
      this.turnWords = '';
      this.settleSpeculation(false);
      return this.resumeAfterFalseAlarm();
    }
    // A question while "wait" holds the answer: the answer gives way to it.
    if (this.waiting && /\w/.test(text)) this.stopAnswer();
    if (mayHold && this.shouldHold(text, reason)) {
      this.deps.log.debug('The turn ended mid-thought: holding it for the rest', { reason });
      this.settleSpeculation(false);
      this.turnWords = '';
      this.held = { text, stt, timer: undefined };
      this.waitOutHeld();
      return;
    }
    this.turnWords = '';
    // The recognizer ended the turn itself (its own endpointing) during a pause mid-thought.
    clearTimeout(this.thoughtPause);
    this.thoughtPause = undefined;
    // A recognizer with its own endpointing (Deepgram) can end the turn before the VAD does.
    this.endOfSpeechAt ??= this.lastVoiceAt;
    this.finalAfterSpeechMs = this.endOfSpeechAt === undefined ? undefined : performance.now() - this.endOfSpeechAt;
    const speculation = this.speculation;
    const confirmed = speculation !== undefined && sameWords(speculation.text, text);
    if (confirmed) speculation.stt = stt;
    this.settleSpeculation(confirmed);
    if (!/\w/.test(text)) return this.resumeAfterFalseAlarm();
    const question = this.named(text);
    if (this.options.mode === 'pushToTalk') {
      this.reviewedStt = addAudio(this.reviewedStt, stt);
      this.deps.emit({ type: 'transcript', text: question, final: true, editable: true });
      return;
    }
    this.deps.emit({ type: 'transcript', text: question, final: true });
    // Words at the end of a turn confirm a barge-in that no interim transcript confirmed yet.
    void this.confirmBargeIn();
    // A confirmed speculation is this turn's answer already.
    if (confirmed) return;
    this.queue(() => this.answer(question, undefined, () => stt));
  }

  /** The turn was a voice command: acted on (unless its interim words were already), shown as one, never answered. */
  private commandTurnEnded(command: VoiceCommand, text: string, actedOn: boolean): void {
    this.turnWords = '';
    clearTimeout(this.thoughtPause);
    this.thoughtPause = undefined;
    this.settleSpeculation(false);
    this.deps.emit({ type: 'transcript', text, final: true });
    if (!actedOn) this.command(command, text);
  }

  /** Whether `heard` is the words of the answer being given, or just given, come back through the microphone. */
  private echoed(heard: string): boolean {
    return ownWords(heard, this.speaking?.said ?? this.lastSaid);
  }

  /** Whether an answer is being given or played again: what "stop", "wait" or "slower" said now acts on. */
  private answerUnderWay(): boolean {
    return this.speaking !== undefined || this.replaying !== undefined;
  }

  /** Acts on a voice command and tells the panel what it did. */
  private command(command: VoiceCommand, heard: string): void {
    const message = this.act(command);
    this.deps.log.info('Voice command', { command, heard });
    this.deps.emit({ type: 'voiceCommand', command, heard, message });
  }

  private act(command: VoiceCommand): string {
    const underWay = this.answerUnderWay();
    switch (command) {
      case 'stop': {
        // Said over the answer, "stop" is a barge-in too, timed from the speech that paused it.
        const pending = this.pendingBargeIn;
        this.cancelPendingBargeIn();
        if (!underWay) return 'Nothing is being said: nothing to stop.';
        if (pending && this.speaking) this.speaking.turn.metrics.bargeInStopMs = pending.stopMs;
        this.stopAnswer();
        return 'Stopped.';
      }
      case 'wait':
        if (!underWay) return 'Nothing is being said: nothing to pause.';
        this.cancelPendingBargeIn();
        this.deps.sink.pause();
        this.waiting = true;
        this.deps.onActivity('listening');
        return 'Paused. Say "go on" to hear the rest, or ask something else.';
      case 'goOn':
        if (!this.waiting) {
          this.resumeAfterFalseAlarm();
          return 'Nothing is paused.';
        }
        this.waiting = false;
        this.deps.sink.resume();
        this.deps.onActivity('speaking');
        return 'Going on.';
      case 'slower':
      case 'faster': {
        this.resumeAfterFalseAlarm();
        const rate = nextSpeechRate(this.rate, command);
        if (rate === this.rate) return `Already at the ${command === 'slower' ? 'slowest' : 'fastest'} rate, ${rate}×.`;
        this.rate = rate;
        this.deps.sink.setRate(rate);
        return `Speaking at ${rate}× speed.`;
      }
      case 'repeat':
        this.resumeAfterFalseAlarm();
        if (!this.lastAudio && !this.speaking) return 'Nothing to repeat yet.';
        this.queue(() => this.replay());
        return this.speaking ? 'Will say this answer again when it ends.' : 'Saying the last answer again.';
    }
  }

  /** "stop", or a question while paused: the answer (or its replay) stops now; what was heard of it is kept. */
  private stopAnswer(): void {
    this.waiting = false;
    this.deps.sink.pause();
    this.replaying?.abort();
    this.speaking?.turn.interrupt();
  }

  /** "repeat that": the last answer's audio, played again from its start. Speech over it stops it as it stops an answer. */
  private async replay(): Promise<void> {
    const audio = this.lastAudio;
    if (!audio) return;
    const replaying = new AbortController();
    this.replaying = replaying;
    try {
      this.deps.sink.startAnswer();
      this.echo.answerStarts();
      for (const { pcm, sampleRate } of audio) {
        this.echo.played(pcm, sampleRate);
        this.deps.sink.play(pcm, sampleRate);
      }
      this.deps.onActivity('speaking');
      await this.deps.sink.waitForPlayout(replaying.signal);
      if (replaying.signal.aborted) {
        this.deps.sink.stop();
        await this.deps.sink.waitForPlayout();
      }
    } finally {
      this.replaying = undefined;
      this.waiting = false;
      this.deps.onActivity('listening');
    }
  }

  /**
   * Whether a turn the recognizer ended is held for more: hands-free, its words going on, and not
   * ended by the VAD after it already waited out a pause mid-thought (a recognizer that
   * transcribes as the user speaks; one that transcribes per utterance knows its words only now).
   */
  private shouldHold(text: string, reason: EndOfTurnReason): boolean {
    if (this.options.mode !== 'handsFree' || this.options.endOfThoughtMs <= 0 || reason === 'pushToTalk') return false;
    if (reason === 'vad' && this.deps.stt.continuous) return false;
    return thoughtState(text) === 'goesOn';
  }

  /**
   * (Re)starts the held turn's wait: it is answered after `endOfThoughtMs` with no voice and no new
   * words, and not before the silence since the user's last voice is what a turn the VAD ended
   * mid-thought would need (its hangover plus `endOfThoughtMs`), whichever recognizer ended it.
   */
  private waitOutHeld(): void {
    const held = this.held;
    if (!held) return;
    clearTimeout(held.timer);
    const quietSince = this.lastVoiceAt ?? performance.now();
    const untilQuietEnough = quietSince + this.deps.vad.options.redemptionMs + this.options.endOfThoughtMs - performance.now();
    held.timer = setTimeout(() => this.releaseHeld(), Math.max(this.options.endOfThoughtMs, untilQuietEnough));
  }

  /** The pause held: the turn is answered as it was. Words still coming in belong to it; they are waited for. */
  private releaseHeld(): void {
    const held = this.held;
    if (!held) return;
    // The user is speaking, pausing mid-thought again, or the recognizer is finishing what they said after it.
    const awaitingFinal = this.awaitingFinalSince !== undefined && performance.now() - this.awaitingFinalSince < this.options.finalWaitMs;
    if (this.inSpeech || this.thoughtPause || awaitingFinal || /\w/.test(this.turnWords)) return this.waitOutHeld();
    this.answerHeld();
  }

  private answerHeld(): void {
    const held = this.held;
    if (!held) return;
    this.dropHeld();
    this.onEndOfTurn(held.text, held.stt, 'timeout', false);
  }

  private dropHeld(): void {
    clearTimeout(this.held?.timer);
    this.held = undefined;
  }

  /** Starts answering a turn the recognizer expects to be over, held until it is confirmed. */
  private speculate(text: string): void {
    if (!this.options.eagerEndOfTurn || this.options.mode !== 'handsFree') return;
    this.settleSpeculation(false);
    let settle: (confirmed: boolean) => void = () => undefined;
    const decided = new Promise<boolean>((resolve) => (settle = resolve));
    const speculation: Speculation = { text, settle };
    this.speculation = speculation;
    // Words that end a turn also confirm a barge-in, as in onEndOfTurn.
    void this.confirmBargeIn();
    this.queue(() => this.answer(this.named(text), decided, () => speculation.stt));
  }

  private settleSpeculation(confirmed: boolean): void {
    this.speculation?.settle(confirmed);
    this.speculation = undefined;
  }

  private pauseForBargeIn(onset: Extract<VadEvent, { type: 'speechStart' }>): void {
    if (this.pendingBargeIn) return;
    this.deps.sink.pause();
    // Onset to pause: the VAD's confirmation delay (stream time) plus the time to act on it.
    const stopMs = onset.atMs - onset.startMs + (Date.now() - onset.createdAt);
    this.pendingBargeIn = { stopMs, timer: this.falseAlarmTimer() };
  }

  /**
   * Resumes playback if no words came `falseAlarmMs` after the pause. While the user is still
   * speaking, or the recognizer is still finishing their turn, the verdict waits: a recognizer
   * that transcribes per utterance gives words only at the end.
   */
  private falseAlarmTimer(): NodeJS.Timeout {
    return setTimeout(() => {
      if (!this.pendingBargeIn) return;
      const awaitingFinal = this.awaitingFinalSince !== undefined && performance.now() - this.awaitingFinalSince < this.options.finalWaitMs;
      if (this.inSpeech || awaitingFinal) this.pendingBargeIn.timer = this.falseAlarmTimer();
      else this.resumeAfterFalseAlarm();
    }, this.options.falseAlarmMs);
  }

  private resumeAfterFalseAlarm(): void {
    if (!this.pendingBargeIn) return;
    this.cancelPendingBargeIn();
    this.deps.sink.resume();
    this.deps.onActivity('speaking');
  }

  private async confirmBargeIn(): Promise<void> {
    const pending = this.pendingBargeIn;
    if (!pending) return;
    this.cancelPendingBargeIn();
    this.replaying?.abort();
    const speaking = this.speaking;
    if (!speaking) return;
    speaking.turn.metrics.bargeInStopMs = pending.stopMs;
    speaking.turn.interrupt();
    await speaking.turn.finished;
  }

  private cancelPendingBargeIn(): void {
    if (this.pendingBargeIn) clearTimeout(this.pendingBargeIn.timer);
    this.pendingBargeIn = undefined;
  }

  /**
   * Answers one recognized turn, speaking it, and returns when it has been said or stopped and is
   * committed. A held answer (`held`, a speculation) takes the stage only once confirmed; dropped,
   * it never does.
   */
  private async answer(text: string, held?: Promise<boolean>, stt?: () => SpeechUsage | undefined): Promise<void> {
    const turn = this.deps.conversation.begin(text, 'voice', {
      held: held !== undefined,
      reply: (refusal) => this.deps.emit(refusal),
      ...(stt ? { stt } : {}),
    });
    held?.then(
      (confirmed) => (confirmed ? turn.confirm() : turn.drop()),
      () => turn.drop(),
    );
    const speaking: Speaking = {
      turn,
      tts: this.deps.tts.stream({ signal: this.controller.signal }),
      splitter: new ClauseSplitter(),
      segments: [],
      audio: [],
      said: '',
      characters: 0,
      audioMs: 0,
    };
    const audioDone = this.speak(speaking);
    // Runs before the turn's own output (it is queued first), so the stage is set when text comes.
    turn.run(() => this.takeStage(speaking));
    try {
      await this.present(speaking, audioDone);
    } catch (error) {
      this.deps.log.warn('A spoken answer failed', { error: errorMessage(error) });
    } finally {
      turn.tts = this.ttsUsage(speaking);
      if (speaking.audio.length > 0) this.lastAudio = speaking.audio;
      this.lastSaid = speaking.said;
      turn.commit();
      await turn.finished;
      await speaking.tts.close();
      if (this.speaking === speaking) {
        this.speaking = undefined;
        this.waiting = false;
        this.deps.onActivity('listening');
      }
    }
  }

  /**
   * Speaks the answer's text as it streams, then waits until it has played out. Stopped (the user
   * cut in), its audio is cleared and what the user heard is kept for the commit.
   */
  private async present(speaking: Speaking, audioDone: Promise<void>): Promise<void> {
    const { turn, tts, splitter } = speaking;
    for await (const event of turn.events()) {
      if (event.type === 'text') for (const clause of splitter.push(event.text)) this.speakClause(speaking, clause);
    }
    // A dropped speculation was never seen: nothing to play or commit.
    if (!(await turn.released)) return;
    if (!turn.interrupted) {
      for (const clause of splitter.flush()) this.speakClause(speaking, clause);
      tts.flush();
      await untilAborted(audioDone, turn.signal);
      await this.deps.sink.waitForPlayout(turn.signal);
    }
    if (turn.interrupted) {
      await tts.clear();
      this.deps.sink.stop();
      const { playedMs } = await this.deps.sink.waitForPlayout();
      turn.heard = heardText(speaking.segments, playedMs).text;
    }
  }

  /** Gives the voice one clause, counting its characters. */
  private speakClause(speaking: Speaking, clause: string): void {
    speaking.characters += clause.length;
    speaking.said += clause;
    speaking.tts.pushText(clause);
  }

  /** The answer becomes the one being spoken; its latencies count from this turn's end of speech. */
  private takeStage(speaking: Speaking): void {
    speaking.endOfSpeechAt = this.endOfSpeechAt;
    if (this.finalAfterSpeechMs !== undefined) speaking.turn.metrics.endOfSpeechToFinalMs = this.finalAfterSpeechMs;
    this.speaking = speaking;
    this.echo.answerStarts();
    this.deps.sink.startAnswer();
    this.deps.onActivity('thinking');
  }

  /** Feeds TTS audio to the sink as it comes; resolves when the turn's audio has all been made. */
  private speak(speaking: Speaking): Promise<void> {
    return new Promise((resolve) => {
      speaking.tts.on('audio', (event) => {
        const { metrics } = speaking.turn;
        if (metrics.voiceToVoiceMs === undefined && speaking.endOfSpeechAt !== undefined) metrics.voiceToVoiceMs = performance.now() - speaking.endOfSpeechAt;
        speaking.audioMs += event.durationMs;
        speaking.audio.push({ pcm: event.pcm, sampleRate: event.sampleRate });
        this.echo.played(event.pcm, event.sampleRate);
        this.deps.sink.play(event.pcm, event.sampleRate);
        this.deps.onActivity('speaking');
      });
      speaking.tts.on('segmentDone', (event) => speaking.segments.push({ text: event.text, audioMs: event.audioMs }));
      speaking.tts.on('metrics', (event) => {
        if (event.ttfbMs !== null) speaking.turn.metrics.ttsTtfbMs = event.ttfbMs;
        resolve();
      });
      speaking.tts.on('error', (event) => this.deps.emit({ type: 'notice', level: 'warning', message: `Voice reply: ${event.error.message}` }));
    });
  }
}

/** Two stretches of a recognizer's audio for one reviewed transcript, as one. */
function addAudio(before: SpeechUsage | undefined, more: SpeechUsage): SpeechUsage {
  if (!before) return more;
  const { costUsd: added, ...rest } = more;
  const costUsd = before.costUsd === undefined || added === undefined ? undefined : before.costUsd + added;
  return { ...rest, audioSeconds: before.audioSeconds + more.audioSeconds, ...(costUsd === undefined ? {} : { costUsd }) };
}

/** Resolves with `promise`, or as soon as `signal` aborts. */
function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true });
    promise.then(resolve, resolve);
  });
}

/** The same words, whatever the spacing: an end of turn that confirms an eager one. */
function sameWords(a: string, b: string): boolean {
  const words = (text: string) => text.trim().split(/\s+/).join(' ');
  return words(a) === words(b);
}

/** Words said in two pieces, as one text. */
function joinWords(first: string | undefined, second: string): string {
  return first ? `${first} ${second}`.trim() : second;
}
