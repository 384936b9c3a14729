import { encodeWav } from '../../../../server/audio/wav';
import { chunkPcm, speechFor } from '../audio';
import { HttpError, type HttpRoute } from '../exchange';
import { sendChunks } from '../respond';

/** OpenAI speech audio is 24 kHz mono s16le for both `pcm` and `wav`. */
export const OPENAI_SPEECH_SAMPLE_RATE = 24_000;
/** Audio per streamed chunk; each chunk after the first waits interTokenMs. */
const CHUNK_MS = 100;

const CONTENT_TYPES: Record<string, string> = { pcm: 'audio/pcm', wav: 'audio/wav' };

interface SpeechBody {
  model: string;
  input: string;
  voice: unknown;
  response_format?: string;
  speed?: number;
  stream_format?: string;
}

/** `POST /v1/audio/speech`, streaming a tone whose length scales with the input text. */
export function speechRoute(): HttpRoute {
  return {
    method: 'POST',
    path: '/v1/audio/speech',
    streams: () => true,
    async handle(exchange) {
      const body = checkBody(exchange.request.body);
      const format = body.response_format ?? 'mp3';
      const pcm = speechFor(body.input, OPENAI_SPEECH_SAMPLE_RATE, body.speed ?? 1);
      // A WAV is cut into chunks like PCM, header first, as a streamed file arrives.
      const bytes = format === 'wav' ? encodeWav(pcm, OPENAI_SPEECH_SAMPLE_RATE) : pcm;
      return sendChunks(exchange, chunkPcm(bytes, CHUNK_MS, OPENAI_SPEECH_SAMPLE_RATE), { 'content-type': CONTENT_TYPES[format] });
    },
  };
}

function checkBody(body: unknown): SpeechBody {
  const candidate = (body ?? {}) as Partial<SpeechBody>;
  if (typeof candidate.model !== 'string') throw new HttpError(400, 'you must provide a model parameter');
  if (typeof candidate.input !== 'string' || candidate.input === '') throw new HttpError(400, "Missing required parameter: 'input'.");
  if (candidate.input.length > 4096) throw new HttpError(400, "'input' is longer than 4096 characters.");
  if (candidate.voice === undefined) throw new HttpError(400, "Missing required parameter: 'voice'.");
  const format = candidate.response_format ?? 'mp3';
  // The stand-in cannot encode mp3/opus/aac/flac; failing loudly beats handing out mislabelled audio.
  if (!(format in CONTENT_TYPES)) {
    throw new HttpError(400, `The stand-in produces only response_format 'pcm' or 'wav', not '${format}'.`);
  }
  if (candidate.stream_format === 'sse') throw new HttpError(400, "The stand-in does not support stream_format 'sse'.");
  return candidate as SpeechBody;
}
