/** The JSON messages of Deepgram's live transcription socket (`/v1/listen`), as the API shapes them. */

const MODEL_INFO = { name: '2-general-nova', version: '2024-01-18.26916', arch: 'nova-3' };
const MODEL_UUID = 'c0d1a568-ce81-4fea-97e7-bd45cb1fdf3c';
const CONFIDENCE = 0.98;

/** Milliseconds to the seconds Deepgram reports, rounded to the millisecond. */
const seconds = (ms: number) => Math.round(ms) / 1000;

export interface ResultFlags {
  isFinal: boolean;
  speechFinal: boolean;
  fromFinalize: boolean;
}

/** Words spread evenly over the span, lower-cased without punctuation, with the punctuated form kept. */
function words(transcript: string, startMs: number, endMs: number) {
  const tokens = transcript.split(/\s+/).filter(Boolean);
  const each = tokens.length ? (endMs - startMs) / tokens.length : 0;
  return tokens.map((token, i) => ({
    word: token.toLowerCase().replace(/[^\p{L}\p{N}']/gu, ''),
    start: seconds(startMs + i * each),
    end: seconds(startMs + (i + 1) * each),
    confidence: CONFIDENCE,
    punctuated_word: token,
  }));
}

export function resultsMessage(transcript: string, startMs: number, endMs: number, flags: ResultFlags, requestId: string) {
  const list = words(transcript, startMs, endMs);
  return {
    type: 'Results',
    channel_index: [0, 1],
    duration: seconds(endMs - startMs),
    start: seconds(startMs),
    is_final: flags.isFinal,
    speech_final: flags.speechFinal,
    from_finalize: flags.fromFinalize,
    channel: { alternatives: [{ transcript, confidence: list.length ? CONFIDENCE : 0, words: list }] },
    metadata: { request_id: requestId, model_info: MODEL_INFO, model_uuid: MODEL_UUID },
  };
}

export function speechStartedMessage(atMs: number) {
  return { type: 'SpeechStarted', channel: [0], timestamp: seconds(atMs) };
}

export function utteranceEndMessage(lastWordEndMs: number) {
  return { type: 'UtteranceEnd', channel: [0, 1], last_word_end: seconds(lastWordEndMs) };
}

/** The summary Deepgram sends when the stream closes; `sha256` is of the audio received. */
export function metadataMessage(requestId: string, audioMs: number, sha256: string, channels: number) {
  return {
    type: 'Metadata',
    transaction_key: 'deprecated',
    request_id: requestId,
    sha256,
    created: new Date().toISOString(),
    duration: seconds(audioMs),
    channels,
    models: [MODEL_UUID],
    model_info: { [MODEL_UUID]: MODEL_INFO },
  };
}
