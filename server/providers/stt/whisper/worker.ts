/**
 * The local recognizer's process (started by engine.ts): it loads whisper.cpp's Node addon and a
 * model once, then transcribes the turns it is sent over the IPC channel, one at a time. It runs
 * apart from the server so that a turn can be stopped at once by killing it, and so that the
 * addon failing (a model it cannot read, a crash in native code) costs a restart, not the server.
 *
 * Messages in:  { type: 'load', model } | { type: 'transcribe', id, model, pcm, prompt?, language? }
 * Messages out: { type: 'ready', model } | { type: 'result', id, text } | { type: 'error', id?, message }
 */
import { loadWhisperAddon, type WhisperAddon, type WhisperContext } from './addon';
import type { WorkerReply, WorkerRequest } from './protocol';

function serve(nativeDir: string | undefined, threads: number): void {
  let addon: WhisperAddon;
  try {
    addon = loadWhisperAddon(nativeDir);
    addon.WhisperContext.toggleNativeLog(false);
  } catch (error) {
    // The linux-x64 build links GCC's OpenMP runtime, which a minimal system may lack.
    const install = /libgomp/.test(message(error)) ? ' Install the GNU OpenMP runtime (Debian and Ubuntu: apt-get install libgomp1).' : '';
    reply({ type: 'error', message: `whisper.cpp's addon for ${process.platform}-${process.arch} could not be loaded: ${message(error)}.${install}` });
    process.exit(1);
  }
  let loaded: { model: string; context: WhisperContext } | undefined;
  const contextFor = (model: string): WhisperContext => {
    if (loaded?.model !== model) loaded = { model, context: new addon.WhisperContext({ filePath: model, useGpu: false }) };
    return loaded.context;
  };
  // Turns are transcribed in the order they came, one at a time.
  let queue = Promise.resolve();
  process.on('message', (request: WorkerRequest) => {
    queue = queue.then(async () => {
      try {
        if (request.type === 'load') {
          contextFor(request.model);
          reply({ type: 'ready', model: request.model });
          return;
        }
        const pcm = request.pcm;
        const audio = pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength) as ArrayBuffer;
        const options = { language: request.language ?? 'en', maxThreads: threads, ...(request.prompt ? { prompt: request.prompt } : {}) };
        const result = await contextFor(request.model).transcribeData(audio, options).promise;
        reply({ type: 'result', id: request.id, text: result.result });
      } catch (error) {
        reply({ type: 'error', id: request.type === 'transcribe' ? request.id : undefined, message: message(error) });
      }
    });
  });
  // The server went away: so does its recognizer.
  process.on('disconnect', () => process.exit(0));
}

function reply(message: WorkerReply): void {
  process.send?.(message);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (process.send) serve(process.argv[2] || undefined, Number(process.argv[3]) || 2);
