/**
 * A voice with fallbacks. Each stream speaks through the configured provider; when that fails
 * with an error worth a try elsewhere (down, rate-limited, timing out, or its circuit open)
 * before the stream has played any audio, the next provider takes over and is given all the
 * text not yet spoken, turn ends included. After the first audio the voice stays: switching
 * mid-answer would change voices between two clauses.
 */
import type { TtsProvider } from '../../../protocol/settings';
import type { Logger } from '../../log';
import { isRetryable } from '../errors';
import type { Guard } from '../resilience';
import type { TtsErrorEvent } from './events';
import { TtsStage, type TtsStreamRequest } from './stage';
import { TtsStream, type Segment } from './stream';

export class FallbackTtsStage extends TtsStage {
  readonly provider: TtsProvider;
  readonly model: string;
  readonly sampleRate: number;
  readonly guard: Guard;
  override readonly speaks: boolean;
  override readonly silentReason: string | undefined;

  constructor(
    readonly stages: readonly [TtsStage, ...TtsStage[]],
    private readonly log: Logger,
  ) {
    super();
    const [first] = stages;
    this.provider = first.provider;
    this.model = first.model;
    this.sampleRate = first.sampleRate;
    this.guard = first.guard;
    this.speaks = first.speaks;
    this.silentReason = first.silentReason;
  }

  stream(request: TtsStreamRequest = {}): TtsStream {
    return new FallbackTtsStream(this.stages, { provider: this.provider, sampleRate: this.sampleRate, log: this.log, signal: request.signal });
  }
}

/** What was asked of the stream, kept until its first audio so that a fallback can be given it. */
type Step = { segment: Segment } | { flush: true };

class FallbackTtsStream extends TtsStream {
  readonly #stages: readonly TtsStage[];
  #index = 0;
  #inner!: TtsStream;
  /** The segments the current provider holds, by its own segment ids. */
  #segments = new Map<number, Segment>();
  #pushed = 0;
  /** Undefined once audio was heard: from then on the voice stays. */
  #steps: Step[] | undefined = [];
  #detach: (() => void)[] = [];

  constructor(stages: readonly TtsStage[], options: ConstructorParameters<typeof TtsStream>[0]) {
    super(options);
    this.#stages = stages;
    this.#use(0);
  }

  protected speak(segment: Segment): void {
    this.#steps?.push({ segment });
    this.#send(segment);
  }

  protected override endTurn(): void {
    this.#steps?.push({ flush: true });
    this.#inner.flush();
  }

  protected override warmUp(): void {
    this.#inner.prepare();
  }

  protected async cancel(): Promise<void> {
    if (this.#steps) this.#steps = [];
    this.#segments.clear();
    await this.#inner.clear();
  }

  protected async shutdown(): Promise<void> {
    this.#detachInner();
    await this.#inner.close();
  }

  #use(index: number): void {
    this.#index = index;
    this.#inner = this.#stages[index]!.stream();
    this.#segments = new Map();
    this.#pushed = 0;
    const inner = this.#inner;
    this.#detach = [
      inner.on('audio', (event) => this.#audio(event.segmentId, event.pcm, event.sampleRate)),
      inner.on('segmentDone', (event) => this.#done(event.segmentId, event.text)),
      inner.on('error', (event) => this.#failed(event)),
    ];
  }

  #send(segment: Segment): void {
    // The inner stream applies the same rules as this one to a clause that passed them already,
    // so each segment sent is one segment there, numbered in order.
    this.#segments.set(++this.#pushed, segment);
    this.#inner.pushText(segment.text);
  }

  #audio(innerId: number, pcm: Int16Array, sampleRate: number): void {
    const segment = this.#segments.get(innerId);
    if (!segment) return;
    this.#steps = undefined;
    this.deliver(segment, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength), sampleRate);
  }

  /** A provider may join clauses of a sentence (Aura): the same clauses are joined here. */
  #done(innerId: number, text: string): void {
    const segment = this.#segments.get(innerId);
    if (!segment) return;
    this.#segments.delete(innerId);
    for (let next = innerId + 1; segment.text.length < text.length && this.#segments.has(next); next++) {
      this.absorb(segment, this.#segments.get(next)!);
      this.#segments.delete(next);
    }
    this.complete(segment);
  }

  #failed(event: TtsErrorEvent): void {
    const failed = event.segmentIds.flatMap((id) => this.#segments.get(id) ?? []);
    const next = this.#stages[this.#index + 1];
    if (this.#steps && next && isRetryable(event.error) && !this.closed) return this.#fallBack(event);
    for (const id of event.segmentIds) this.#segments.delete(id);
    this.fail(event.error, failed);
  }

  /** Hands everything asked so far to the next provider; the failed one is closed. */
  #fallBack(event: TtsErrorEvent): void {
    const failed = this.#inner;
    this.log.warn('Text to speech failed before any audio; trying the next voice', {
      failed: failed.provider,
      next: this.#stages[this.#index + 1]!.provider,
      error: event.error.message,
    });
    this.#detachInner();
    failed.close().catch((error: unknown) => this.log.warn(`Closing the ${failed.provider} text-to-speech stream failed`, { error }));
    this.#use(this.#index + 1);
    for (const step of this.#steps!) {
      if ('flush' in step) this.#inner.flush();
      else if (this.isCurrent(step.segment)) this.#send(step.segment);
    }
  }

  #detachInner(): void {
    for (const detach of this.#detach.splice(0)) detach();
  }
}
