import { pcmDurationMs } from '../../../../server/audio/pcm';
import { decodeWav, wavDurationMs } from '../../../../server/audio/wav';
import type { FormFields, UploadedFile } from '../body';
import { estimateTokens, textTokens } from '../chat-reply';
import { HttpError, type Exchange, type HttpRoute, type RecordedRequest } from '../exchange';
import { sendJson, sendText } from '../respond';
import type { Script } from '../script';
import { streamSse, type SseEvent } from '../sse';
import { openAIErrorEvent } from './shape';

interface TranscriptionForm {
  file: UploadedFile;
  model: string;
  responseFormat: string;
  stream: boolean;
}

/** `POST /v1/audio/transcriptions` (multipart), answering with the next scripted transcript. */
export function transcriptionsRoute(script: Script<string, RecordedRequest>): HttpRoute {
  return {
    method: 'POST',
    path: '/v1/audio/transcriptions',
    streams: (request) => readForm(request.body).stream === true,
    async handle(exchange) {
      const form = checkForm(exchange.request.body);
      const text = script.next(exchange.request);
      if (form.stream) return streamSse(exchange, transcriptEvents(text, form), openAIErrorEvent);
      return answer(exchange, text, form);
    },
  };
}

function readForm(body: unknown): Partial<TranscriptionForm> {
  const fields = (typeof body === 'object' && body !== null && !Buffer.isBuffer(body) ? body : {}) as FormFields;
  const file = fields.file;
  const responseFormat = typeof fields.response_format === 'string' ? fields.response_format : 'json';
  const model = typeof fields.model === 'string' ? fields.model : undefined;
  // whisper-1 does not stream and the API ignores the flag for it; the stand-in does the same.
  const stream = fields.stream === 'true' && model !== 'whisper-1';
  return { file: typeof file === 'object' && !Array.isArray(file) ? file : undefined, model, responseFormat, stream };
}

function checkForm(body: unknown): TranscriptionForm {
  const form = readForm(body);
  if (!form.file) throw new HttpError(400, "Missing required parameter: 'file'.");
  if (!form.model) throw new HttpError(400, "Missing required parameter: 'model'.");
  return form as TranscriptionForm;
}

/** The audio length when the upload is a WAV file; other formats count as 16 kHz PCM bytes. */
function audioSeconds(file: UploadedFile): number {
  try {
    return wavDurationMs(decodeWav(file.bytes)) / 1000;
  } catch {
    return pcmDurationMs(file.size, 16000) / 1000;
  }
}

function tokenUsage(text: string, file: UploadedFile) {
  const input = Math.max(1, Math.round(audioSeconds(file) * 10));
  const output = estimateTokens(text);
  return {
    type: 'tokens',
    input_tokens: input,
    output_tokens: output,
    total_tokens: input + output,
    input_token_details: { text_tokens: 0, audio_tokens: input },
  };
}

async function answer(exchange: Exchange, text: string, form: TranscriptionForm): Promise<void> {
  const seconds = audioSeconds(form.file);
  switch (form.responseFormat) {
    case 'json':
      return sendJson(exchange, { text, usage: tokenUsage(text, form.file) });
    case 'text':
      return sendText(exchange, `${text}\n`);
    case 'verbose_json':
      return sendJson(exchange, verboseJson(text, seconds));
    case 'srt':
      return sendText(exchange, `1\n00:00:00,000 --> ${timestamp(seconds, ',')}\n${text}\n\n`);
    case 'vtt':
      return sendText(exchange, `WEBVTT\n\n00:00:00.000 --> ${timestamp(seconds, '.')}\n${text}\n\n`, 'text/vtt; charset=utf-8');
    default:
      throw new HttpError(400, `The stand-in does not produce response_format '${form.responseFormat}'.`);
  }
}

function verboseJson(text: string, seconds: number) {
  const segment = { id: 0, seek: 0, start: 0, end: seconds, text, tokens: [], temperature: 0, avg_logprob: -0.1, compression_ratio: 1, no_speech_prob: 0 };
  return { task: 'transcribe', language: 'english', duration: seconds, text, segments: [segment], usage: { type: 'duration', seconds: Math.ceil(seconds) } };
}

function timestamp(seconds: number, separator: string): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const hh = pad(Math.floor(ms / 3_600_000));
  const mm = pad(Math.floor(ms / 60_000) % 60);
  const ss = pad(Math.floor(ms / 1000) % 60);
  return `${hh}:${mm}:${ss}${separator}${pad(ms % 1000, 3)}`;
}

/** `transcript.text.delta` per token, then `transcript.text.done` with the whole text and usage. */
function* transcriptEvents(text: string, form: TranscriptionForm): Generator<SseEvent> {
  for (const delta of textTokens(text)) yield { data: { type: 'transcript.text.delta', delta } };
  yield { data: { type: 'transcript.text.done', text, usage: tokenUsage(text, form.file) } };
}
