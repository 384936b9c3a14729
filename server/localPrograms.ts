/**
 * The programs on this machine that parts of Parley run, whether each is there, and the command
 * that installs a missing one, for `parley status` and the panel's "Server and providers": a
 * voice that never speaks because espeak-ng is missing should say so before anyone waits for it.
 */
import type { ProgramStatus } from '../protocol/status';
import { findRecorder } from './voice/capture/native';
import { OFFLINE_STT_PROGRAMS, SYSTEM_TTS_PROGRAMS, findFirstProgram, findProgram } from './providers/programs';

type Platform = NodeJS.Platform;

interface LocalProgram {
  id: ProgramStatus['id'];
  name: string;
  usedFor: string;
  find(env: NodeJS.ProcessEnv, platform: Platform): string | undefined;
  /** How to install it, per platform; none where the platform has no package for it. */
  install: Partial<Record<Platform, string>>;
}

const PROGRAMS: LocalProgram[] = [
  {
    id: 'recognizer',
    name: 'pocketsphinx',
    usedFor: 'offline speech to text (parley.stt.provider = offline)',
    find: (env) => findFirstProgram(OFFLINE_STT_PROGRAMS, env),
    install: { linux: 'sudo apt-get install pocketsphinx pocketsphinx-en-us', darwin: 'brew install cmu-pocketsphinx' },
  },
  {
    id: 'voice',
    name: 'system voice (espeak-ng, say or SAPI)',
    usedFor: 'spoken answers (parley.tts.provider = system)',
    find: (env) => findFirstProgram(SYSTEM_TTS_PROGRAMS, env),
    install: { linux: 'sudo apt-get install espeak-ng', darwin: 'say is part of macOS', win32: 'SAPI is part of Windows (PowerShell)' },
  },
  {
    id: 'recorder',
    name: 'microphone recorder (arecord, sox or ffmpeg)',
    usedFor: 'listening in desktop VS Code (parley.voice.capture = native)',
    find: (env, platform) => findRecorder(env, platform)?.program,
    install: { linux: 'sudo apt-get install alsa-utils', darwin: 'brew install sox', win32: 'winget install ChrisBagwell.SoX' },
  },
  {
    id: 'git',
    name: 'git',
    usedFor: 'change hotspots in the review, and the fast file list',
    find: (env) => findProgram('git', env),
    install: { linux: 'sudo apt-get install git', darwin: 'xcode-select --install', win32: 'winget install Git.Git' },
  },
];

export function programStatuses(env: NodeJS.ProcessEnv = process.env, platform: Platform = process.platform): ProgramStatus[] {
  return PROGRAMS.map((program) => {
    const path = program.find(env, platform) ?? null;
    const install = program.install[platform];
    return {
      id: program.id,
      name: program.name,
      usedFor: program.usedFor,
      path,
      ...(path === null ? { install: install ?? `no package of it is known for ${platform}; choose another provider` } : {}),
    };
  });
}
