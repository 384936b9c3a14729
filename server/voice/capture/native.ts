/**
 * Native capture: the server records the default input device with a recorder installed on the
 * machine, for desktop VS Code, whose webviews get no microphone. The recorder writes raw 16 kHz
 * mono s16le PCM to stdout; it runs without a shell and with an allow-listed environment, and is
 * killed when listening stops.
 */
import { CAPTURE_SAMPLE_RATE } from '../../../protocol/live';
import { findProgram } from '../../providers/programs';
import { spawnChild, type Child } from '../../process/spawn';

export interface RecorderCommand {
  program: string;
  args: string[];
}

const RATE = String(CAPTURE_SAMPLE_RATE);

/** Recorders by preference, per platform: each prints raw PCM of the default input to stdout. */
const RECORDERS: Record<string, { name: string; args: string[] }[]> = {
  linux: [
    { name: 'arecord', args: ['-q', '-f', 'S16_LE', '-r', RATE, '-c', '1', '-t', 'raw'] },
    { name: 'sox', args: ['-q', '-d', '-t', 'raw', '-r', RATE, '-c', '1', '-b', '16', '-e', 'signed-integer', '-'] },
    { name: 'ffmpeg', args: ['-loglevel', 'error', '-f', 'pulse', '-i', 'default', '-ac', '1', '-ar', RATE, '-f', 's16le', '-'] },
  ],
  darwin: [
    { name: 'sox', args: ['-q', '-d', '-t', 'raw', '-r', RATE, '-c', '1', '-b', '16', '-e', 'signed-integer', '-'] },
    { name: 'ffmpeg', args: ['-loglevel', 'error', '-f', 'avfoundation', '-i', ':0', '-ac', '1', '-ar', RATE, '-f', 's16le', '-'] },
  ],
  win32: [{ name: 'sox', args: ['-q', '-t', 'waveaudio', 'default', '-t', 'raw', '-r', RATE, '-c', '1', '-b', '16', '-e', 'signed-integer', '-'] }],
};

export function findRecorder(env: NodeJS.ProcessEnv = process.env, platform = process.platform): RecorderCommand | undefined {
  for (const candidate of RECORDERS[platform] ?? []) {
    const program = findProgram(candidate.name, env);
    if (program) return { program, args: candidate.args };
  }
  return undefined;
}

export const NO_RECORDER_HINT =
  'No microphone recorder is installed: install alsa-utils (arecord) or sox, or run "Parley: Listen in the Browser" to talk through a browser tab.';

export class NativeRecorder {
  private child: Child | undefined;
  private stopping = false;

  constructor(readonly command: RecorderCommand) {}

  /** Starts recording; `onExit` gets a reason when the recorder ends without being asked to. */
  start(onPcm: (pcm: Buffer) => void, onExit: (reason: string) => void, env: NodeJS.ProcessEnv = process.env): void {
    // The 'audio' environment is enough to find the sound server, and never holds a key.
    const child = spawnChild(this.command.program, this.command.args, { purpose: 'audio', env });
    this.child = child;
    let stderr = '';
    let odd: Buffer | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      // Keep whole samples: a split sample waits for the next chunk.
      const data = odd ? Buffer.concat([odd, chunk]) : chunk;
      const whole = data.length - (data.length % 2);
      odd = whole < data.length ? data.subarray(whole) : undefined;
      if (whole > 0) onPcm(data.subarray(0, whole));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-400)));
    child.on('error', (error) => onExit(`${this.command.program} could not start: ${error.message}`));
    child.on('close', (code, signal) => {
      if (this.stopping) return;
      const detail = stderr.trim().split('\n').at(-1) ?? '';
      onExit(`the recorder (${this.command.program}) stopped${code !== null ? ` with exit code ${code}` : ` on ${signal}`}${detail ? `: ${detail}` : ''}`);
    });
  }

  stop(): void {
    this.stopping = true;
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}
