/**
 * Deepgram Aura over its streaming speak socket (`speak.v1`), linear16 at 24 kHz.
 *
 * Clauses are sent as Speak messages; a Flush makes Aura synthesize what it has, and its
 * `Flushed` marks where that audio ends. So that each clause's audio is known (what was heard
 * before a barge-in), a turn's first clause is flushed at once (first audio as early as
 * possible), later clauses at each sentence end and at the turn's end, within Deepgram's limit of
 * 20 flushes a minute; clauses waiting for a flush are joined into one segment. Barge-in sends
 * Clear and drops everything until `Cleared`.
 *
 * Messages are handled strictly in arrival order (audio arrives as Blob, which is read
 * asynchronously), and sends strictly in call order, each on its own promise chain.
 */
import { performance } from 'node:perf_hooks';
import type { DeepgramClient } from '@deepgram/sdk';
import { errorMessage } from '../../../log';
import { settlesWithin } from '../../../settles';
import { ProviderError, isRetryableStatus } from '../../errors';
import type { Guard } from '../../resilience';
import { TtsStream, type Segment, type TtsStreamOptions } from '../stream';
import { FlushBudget, type FlushLimit } from './flush-budget';

type SpeakSocket = Awaited<ReturnType<DeepgramClient['speak']['v1']['connect']>>;
/** Audio comes as Blob, control messages as parsed JSON, anything unparseable as a string. */
type SpeakMessage = Blob | string | { type?: unknown; description?: unknown };

const OPEN = 1;
/** How long a barge-in waits for `Cleared` before giving up on the socket. */
export const CLEAR_TIMEOUT_MS = 2_000;

/** Clauses sent (or to be sent) together and ended by one Flush. */
interface Batch {
  readonly segment: Segment;
  readonly texts: string[];
  /** Speak and Flush went out; its audio is on the way. */
  sent: boolean;
  /** The turn's first batch: flushed without waiting for a sentence end. */
  readonly first: boolean;
  endOfTurn: boolean;
}

export interface AuraStreamOptions extends TtsStreamOptions {
  client: DeepgramClient;
  model: string;
  guard: Guard;
  flushLimit: FlushLimit;
}

export class AuraStream extends TtsStream {
  readonly #client: DeepgramClient;
  readonly #model: string;
  readonly #guard: Guard;
  readonly #budget: FlushBudget;
  #socket: SpeakSocket | undefined;
  /** Sent batches awaiting `Flushed` come first, then batches waiting to be sent. */
  #batches: Batch[] = [];
  #nextIsFirst = true;
  #timer: NodeJS.Timeout | undefined;
  #inbox: Promise<void> = Promise.resolve();
  #outbox: Promise<void> = Promise.resolve();
  /** Set while a Clear awaits its `Cleared`; messages before it are of cleared text. */
  #clearing: (() => void) | undefined;
  /** Aborted by clear() and close(), to stop a handshake for text that is gone. */
  #cancel = new AbortController();

  constructor(options: AuraStreamOptions) {
    super(options);
    this.#client = options.client;
    this.#model = options.model;
    this.#guard = options.guard;
    this.#budget = new FlushBudget(options.flushLimit);
  }

  protected speak(segment: Segment): void {
    const tail = this.#batches.at(-1);
    if (tail && !tail.sent && !tail.endOfTurn && tail.segment.turnId === segment.turnId) {
      this.absorb(tail.segment, segment);
      tail.texts.push(segment.text);
    } else {
      this.#batches.push({ segment, texts: [segment.text], sent: false, first: this.#nextIsFirst, endOfTurn: false });
      this.#nextIsFirst = false;
    }
    this.#sendDue();
  }

  protected override endTurn(): void {
    const tail = this.#batches.at(-1);
    if (tail && !tail.sent) tail.endOfTurn = true;
    this.#nextIsFirst = true;
    this.#sendDue();
  }

  protected override warmUp(): void {
    this.#outbox = this.#outbox
      .then(() => this.#connection())
      .then(
        () => undefined,
        // Reported, if it persists, by the first send that needs the connection.
        (error: unknown) => this.log.debug(`Opening the Deepgram speech connection early failed: ${errorMessage(error)}`),
      );
  }

  protected async cancel(): Promise<void> {
    const inFlight = this.#batches.some((batch) => batch.sent);
    this.#forget();
    if (inFlight) await this.#sendClear();
    else await this.#outbox;
  }

  protected async shutdown(): Promise<void> {
    this.#forget();
    await this.#outbox;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket?.readyState === OPEN) socket.sendClose({ type: 'Close' });
    socket?.close();
  }

  #forget(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#batches = [];
    this.#nextIsFirst = true;
    this.#cancel.abort();
    this.#cancel = new AbortController();
  }

  /** Sends every batch that is due, in order, as far as the flush budget allows. */
  #sendDue(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const batch of this.#batches) {
      if (batch.sent) continue;
      if (!isDue(batch)) return;
      const waitMs = this.#budget.take(performance.now());
      if (waitMs > 0) {
        this.#timer = setTimeout(() => this.#sendDue(), waitMs);
        return;
      }
      batch.sent = true;
      this.#send(batch);
    }
  }

  #send(batch: Batch): void {
    this.#outbox = this.#outbox
      .then(async () => {
        if (!this.isCurrent(batch.segment)) return;
        const socket = await this.#connection();
        if (!this.isCurrent(batch.segment)) return;
        // Aura joins Speak texts as they are; the space keeps clauses from running together.
        for (const text of batch.texts) socket.sendText({ type: 'Speak', text: `${text} ` });
        socket.sendFlush({ type: 'Flush' });
      })
      .catch((error: unknown) => this.#lose(batch, error));
  }

  /** A batch could not be sent: nothing of this stream's text can be spoken until a new try. */
  #lose(batch: Batch, error: unknown): void {
    if (!this.isCurrent(batch.segment)) return;
    const lost = this.#batches;
    this.#batches = [];
    this.fail(
      error,
      lost.map((b) => b.segment),
    );
  }

  async #sendClear(): Promise<void> {
    const cleared = new Promise<void>((resolve) => {
      this.#clearing = resolve;
    });
    this.#outbox = this.#outbox.then(async () => {
      try {
        const socket = this.#socket;
        if (socket?.readyState !== OPEN) return;
        socket.sendClear({ type: 'Clear' });
        if (!(await settlesWithin(cleared, CLEAR_TIMEOUT_MS))) {
          this.log.warn(`Deepgram did not confirm Clear within ${CLEAR_TIMEOUT_MS} ms; closing the speech connection.`);
          this.#drop(socket);
        }
      } finally {
        // Before any later send: audio after this point is of new text.
        this.#clearing = undefined;
      }
    });
    await this.#outbox;
  }

  async #connection(): Promise<SpeakSocket> {
    if (this.#socket?.readyState === OPEN) return this.#socket;
    const socket = await this.#guard.run((signal) => this.#connect(signal), this.#cancel.signal);
    this.#socket = socket;
    socket.on('message', (message: SpeakMessage) => {
      this.#inbox = this.#inbox
        .then(() => this.#receive(socket, message))
        .catch((error: unknown) => this.log.warn('Reading a Deepgram speech message failed', { error }));
    });
    socket.on('close', (event) => {
      this.#inbox = this.#inbox.then(() => this.#closed(socket, event.code, event.reason));
    });
    socket.on('error', (error) => this.log.debug(`Deepgram speech connection error: ${errorMessage(error)}`));
    return socket;
  }

  async #connect(signal: AbortSignal): Promise<SpeakSocket> {
    const socket = await this.#client.speak.v1.connect({
      model: this.#model,
      encoding: 'linear16',
      // The SDK's type (and the API) take the rate as a string.
      sample_rate: String(this.sampleRate),
      // The guard decides about retries; the SDK would otherwise reconnect on its own after any non-1000 close.
      shouldReconnect: () => false,
      reconnectAttempts: 0,
      connectionTimeoutInSeconds: Math.ceil(this.#guard.options.timeoutMs / 1000),
    });
    try {
      socket.connect();
      await Promise.race([socket.waitForOpen(), rejectOnAbort(signal)]);
      return socket;
    } catch (error) {
      socket.close();
      throw handshakeError(error);
    }
  }

  async #receive(socket: SpeakSocket, message: SpeakMessage): Promise<void> {
    if (message instanceof Blob) {
      const bytes = new Uint8Array(await message.arrayBuffer());
      return this.#audio(socket, bytes);
    }
    if (socket !== this.#socket) return;
    if (typeof message === 'string') return this.log.warn('Deepgram sent a text message that is not JSON; ignored.');
    switch (message.type) {
      case 'Flushed':
        return this.#flushed();
      case 'Cleared':
        this.log.debug('Deepgram: Cleared');
        return this.#clearing?.();
      case 'Warning':
        return this.log.warn(`Deepgram speech warning: ${String(message.description)}`);
      default:
        return;
    }
  }

  #audio(socket: SpeakSocket, bytes: Uint8Array): void {
    if (socket !== this.#socket || this.#clearing) return;
    const head = this.#batches[0];
    if (head?.sent) this.deliver(head.segment, bytes);
    else this.log.debug(`Deepgram sent ${bytes.length} bytes of audio with no text in flight; dropped.`);
  }

  #flushed(): void {
    if (this.#clearing) return;
    const head = this.#batches[0];
    if (!head?.sent) return;
    this.#batches.shift();
    this.complete(head.segment);
  }

  #closed(socket: SpeakSocket, code: number, reason: string): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    this.#clearing?.();
    const lost = this.#batches.filter((batch) => batch.sent);
    this.#batches = this.#batches.filter((batch) => !batch.sent);
    const detail = `Deepgram closed the speech connection (code ${code}${reason ? `: ${reason}` : ''}).`;
    if (lost.length === 0) return this.log.debug(detail);
    this.fail(
      new ProviderError('tts', this.provider, detail, code !== 1008),
      lost.map((batch) => batch.segment),
    );
    this.#sendDue();
  }

  #drop(socket: SpeakSocket): void {
    if (this.#socket === socket) this.#socket = undefined;
    socket.close();
  }
}

function isDue(batch: Batch): boolean {
  return batch.first || batch.endOfTurn || /[.!?]["')\]”’]*$/.test(batch.segment.text);
}

/** A refused handshake arrives as "Unexpected server response: 401"; the status decides retrying. */
function handshakeError(error: unknown): unknown {
  if (error instanceof Error && error.name === 'AbortError') return error;
  const message = (error as { message?: unknown })?.message;
  const text = typeof message === 'string' ? message : String(error);
  const status = Number(/Unexpected server response: (\d{3})/.exec(text)?.[1]);
  if (status === 401 || status === 403) {
    return new ProviderError('tts', 'deepgram', `Deepgram refused the key (HTTP ${status}). Set a valid Deepgram key (Parley: Set API Key).`, false, {
      cause: error,
    });
  }
  if (status)
    return new ProviderError('tts', 'deepgram', `Deepgram refused the speech connection (HTTP ${status}).`, isRetryableStatus(status), { cause: error });
  return new ProviderError('tts', 'deepgram', `Could not reach Deepgram for speech: ${text}`, true, { cause: error });
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    const abort = () => reject(signal.reason instanceof Error ? signal.reason : new DOMException('Aborted', 'AbortError'));
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}
