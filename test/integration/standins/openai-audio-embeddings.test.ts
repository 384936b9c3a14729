import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { decodeWav } from '../../../server/audio/wav';
import { speechMsFor, startOpenAIStandIn, type OpenAIStandIn } from '../../support/standins';

const CLIP = '/work/shared/audio/why_failing.wav';

function cosine(a: number[], b: number[]): number {
  return a.reduce((sum, value, i) => sum + value * b[i]!, 0);
}

describe('OpenAI stand-in: embeddings and audio through the official SDK', () => {
  let standIn: OpenAIStandIn;
  let client: OpenAI;

  before(async () => {
    standIn = await startOpenAIStandIn({ embeddingDimensions: 64 });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: standIn.baseURL, maxRetries: 0 });
  });
  after(() => standIn.close());

  describe('embeddings', () => {
    it('asks for base64 by default; the SDK decodes it to the same vectors as float', async () => {
      const input = ['docker deployment notes', 'deploying with docker compose', 'pasta recipes'];
      const decoded = await client.embeddings.create({ model: 'text-embedding-3-small', input });
      assert.equal((standIn.requests.at(-1)!.body as { encoding_format: string }).encoding_format, 'base64');
      const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input, encoding_format: 'float' });

      const vectors = decoded.data.map((d) => d.embedding);
      assert.equal(vectors.length, 3);
      assert.ok(vectors.every((v) => v.length === 64));
      floats.data.forEach((d, i) => d.embedding.forEach((value, j) => assert.ok(Math.abs(value - vectors[i]![j]!) < 1e-6)));
      assert.ok(cosine(vectors[0]!, vectors[1]!) > cosine(vectors[0]!, vectors[2]!), 'shared words rank closer');
    });

    it('is deterministic and honours the dimensions parameter', async () => {
      const first = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'null pointer', dimensions: 256 });
      const second = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'null pointer', dimensions: 256 });
      assert.equal(first.data[0]!.embedding.length, 256);
      assert.deepEqual(first.data[0]!.embedding, second.data[0]!.embedding);
      assert.ok(first.usage.prompt_tokens > 0);
    });
  });

  describe('transcriptions', () => {
    it('takes a multipart WAV upload and answers json and text formats', async () => {
      standIn.transcripts.push('why is this test failing', 'run the tests please');
      const file = await toFile(await readFile(CLIP), 'why_failing.wav', { type: 'audio/wav' });
      const json = await client.audio.transcriptions.create({ file, model: 'gpt-4o-transcribe' });
      assert.equal(json.text, 'why is this test failing');
      const upload = (standIn.requests.at(-1)!.body as { file: { filename: string; bytes: Buffer } }).file;
      assert.equal(upload.filename, 'why_failing.wav');
      assert.equal(decodeWav(upload.bytes).sampleRate, 16000);

      const text = await client.audio.transcriptions.create({ file, model: 'gpt-4o-transcribe', response_format: 'text' });
      assert.equal(text.trim(), 'run the tests please');
    });

    it('streams transcript.text.delta events and a transcript.text.done', async () => {
      standIn.transcripts.push('go to the next error');
      const file = await toFile(await readFile(CLIP), 'clip.wav', { type: 'audio/wav' });
      const stream = await client.audio.transcriptions.create({ file, model: 'gpt-4o-mini-transcribe', stream: true });
      const deltas: string[] = [];
      let done: string | undefined;
      for await (const event of stream) {
        if (event.type === 'transcript.text.delta') deltas.push(event.delta);
        if (event.type === 'transcript.text.done') done = event.text;
      }
      assert.deepEqual(deltas, ['go', ' to', ' the', ' next', ' error']);
      assert.equal(done, 'go to the next error');
    });
  });

  describe('speech', () => {
    it('returns 24 kHz s16le PCM whose length scales with the text', async () => {
      const input = 'The test fails because the mock returns undefined.';
      const response = await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'alloy', input, response_format: 'pcm' });
      const pcm = Buffer.from(await response.arrayBuffer());
      const expectedBytes = Math.round((speechMsFor(input) / 1000) * 24000) * 2;
      assert.equal(pcm.length, expectedBytes);
      assert.ok(
        pcm.some((byte) => byte !== 0),
        'audio is not silence',
      );
    });

    it('returns a valid WAV file for response_format wav', async () => {
      const response = await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'alloy', input: 'Done.', response_format: 'wav' });
      const wav = decodeWav(Buffer.from(await response.arrayBuffer()));
      assert.deepEqual([wav.sampleRate, wav.channels, wav.bitsPerSample], [24000, 1, 16]);
      assert.equal(wav.pcm.length, Math.round((speechMsFor('Done.') / 1000) * 24000) * 2);
    });

    it('refuses formats it cannot encode with a 400 the SDK maps to BadRequestError', async () => {
      await assert.rejects(client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hi' }), OpenAI.BadRequestError);
    });
  });
});
