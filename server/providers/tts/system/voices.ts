/**
 * The voices an operating system has, and how each one is asked for a WAV: espeak-ng (or espeak)
 * writes it to stdout as it speaks; macOS `say` and Windows SAPI (System.Speech through
 * PowerShell) write a file, read when they finish.
 */
import { findProgram } from '../../programs';

export interface SystemVoice {
  readonly name: 'espeak-ng' | 'espeak' | 'say' | 'sapi';
  readonly program: string;
  /** The rate it is asked for; the WAV header has the final say. */
  readonly sampleRate: number;
  readonly output: 'stdout' | 'file';
  /**
   * Arguments for one clause. Stdout voices get the text as their last argument, after `--`, so
   * text starting with a dash is never read as an option; file voices read it from `textFile`.
   */
  args(files: { text: string; textFile: string; wavFile: string }): string[];
  /** Extra environment variables (paths only, never secrets). */
  env?(files: { textFile: string; wavFile: string }): Record<string, string>;
}

/** espeak-ng's own rate; `say` and SAPI are asked for the same, so all system audio matches. */
export const SYSTEM_TTS_SAMPLE_RATE = 22_050;

const espeak = (name: 'espeak-ng' | 'espeak', program: string): SystemVoice => ({
  name,
  program,
  sampleRate: SYSTEM_TTS_SAMPLE_RATE,
  output: 'stdout',
  args: ({ text }) => ['--stdout', '-v', 'en-us', '-s', '175', '--', text],
});

const say = (program: string): SystemVoice => ({
  name: 'say',
  program,
  sampleRate: SYSTEM_TTS_SAMPLE_RATE,
  output: 'file',
  args: ({ textFile, wavFile }) => ['-f', textFile, '-o', wavFile, '--file-format=WAVE', `--data-format=LEI16@${SYSTEM_TTS_SAMPLE_RATE}`],
});

/** Reads the text and the output path from the environment, so the script itself never changes. */
const SAPI_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  'Add-Type -AssemblyName System.Speech',
  '$text = [IO.File]::ReadAllText($env:PARLEY_TTS_TEXT, [Text.Encoding]::UTF8)',
  '$synth = New-Object System.Speech.Synthesis.SpeechSynthesizer',
  'try {',
  `  $format = New-Object System.Speech.AudioFormat.SpeechAudioFormatInfo(${SYSTEM_TTS_SAMPLE_RATE}, [System.Speech.AudioFormat.AudioBitsPerSample]::Sixteen, [System.Speech.AudioFormat.AudioChannel]::Mono)`,
  '  $synth.SetOutputToWaveFile($env:PARLEY_TTS_WAV, $format)',
  '  $synth.Speak($text)',
  '} finally { $synth.Dispose() }',
].join('\n');

const sapi = (program: string): SystemVoice => ({
  name: 'sapi',
  program,
  sampleRate: SYSTEM_TTS_SAMPLE_RATE,
  output: 'file',
  // -EncodedCommand (UTF-16LE, base64) sidesteps Windows command-line quoting entirely.
  args: () => ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', Buffer.from(SAPI_SCRIPT, 'utf16le').toString('base64')],
  env: ({ textFile, wavFile }) => ({ PARLEY_TTS_TEXT: textFile, PARLEY_TTS_WAV: wavFile }),
});

/** The system voice of this platform, or undefined when none is installed. */
export function findSystemVoice(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): SystemVoice | undefined {
  if (platform === 'win32') {
    const powershell = findProgram('powershell', env);
    return powershell ? sapi(powershell) : undefined;
  }
  if (platform === 'darwin') {
    const found = findProgram('say', env);
    if (found) return say(found);
  }
  const espeakNg = findProgram('espeak-ng', env);
  if (espeakNg) return espeak('espeak-ng', espeakNg);
  const classic = findProgram('espeak', env);
  return classic ? espeak('espeak', classic) : undefined;
}
