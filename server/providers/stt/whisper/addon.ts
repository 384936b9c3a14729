/**
 * whisper.cpp's prebuilt Node addon for this platform (@fugood/node-whisper-<platform>-<arch>,
 * its CPU build): beside the server bundle in a packaged extension (dist/native/whisper/<target>/),
 * the installed package in a source checkout.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface WhisperTranscription {
  result: string;
  isAborted: boolean;
}

export interface WhisperContext {
  transcribeData(pcm: ArrayBuffer, options: Record<string, unknown>): { promise: Promise<WhisperTranscription> };
}

export interface WhisperAddon {
  WhisperContext: { new (options: { filePath: string; useGpu: boolean }): WhisperContext; toggleNativeLog(enable: boolean): void };
}

const TARGET = `${process.platform}-${process.arch}`;

/** Where the addon is, or undefined when this Parley has none for the platform. */
export function whisperAddonPath(nativeDir?: string): string | undefined {
  const dirs = [nativeDir, join(__dirname, 'native')].filter((dir): dir is string => Boolean(dir));
  const bundled = dirs.map((dir) => join(dir, 'whisper', TARGET, 'index.node')).find((file) => existsSync(file));
  if (bundled) return bundled;
  try {
    return join(dirname(require.resolve(`@fugood/node-whisper-${TARGET}/package.json`)), 'index.node');
  } catch {
    return undefined;
  }
}

export function loadWhisperAddon(nativeDir?: string): WhisperAddon {
  const path = whisperAddonPath(nativeDir);
  if (!path) throw new Error(`Parley has no whisper.cpp build for ${TARGET}`);
  return require(path) as WhisperAddon;
}
