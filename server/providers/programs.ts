/** Finding the local programs that the offline providers rely on, without spawning anything. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findProgram(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const extensions = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const extension of extensions) {
      const candidate = join(dir, name + extension);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not in this directory; keep looking.
      }
    }
  }
  return undefined;
}

/** The first of several programs that exists, by preference order. */
export function findFirstProgram(names: readonly string[], env?: NodeJS.ProcessEnv): string | undefined {
  for (const name of names) {
    const found = findProgram(name, env);
    if (found) return found;
  }
  return undefined;
}

export const SYSTEM_TTS_PROGRAMS = ['espeak-ng', 'espeak', 'say', 'powershell'] as const;
export const OFFLINE_STT_PROGRAMS = ['pocketsphinx_continuous', 'pocketsphinx'] as const;
