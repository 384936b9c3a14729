/**
 * The speech models Parley's local recognizer runs (whisper.cpp's ggml files), and which of them
 * the user has downloaded. Nothing here downloads: Parley: Download Speech Model does, when the
 * user asks (download.ts). A model is installed once its file is in the models folder under its
 * own name, which only happens after its checksum was verified.
 *
 *   const models = new SpeechModels(join(globalStoragePath, 'speech-models'));
 *   models.preferred()   // → { entry: tiny.en, path } once downloaded, else undefined
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';

export interface SpeechModelEntry {
  /** whisper.cpp's name for the model, as `parley.stt.model` names it. */
  name: string;
  /** Its file, in the models folder and at the source. */
  file: string;
  /** Its size as whisper.cpp publishes it, shown before the download starts. */
  size: string;
  /** The SHA-1 whisper.cpp publishes for the file (models/README.md of ggml-org/whisper.cpp). */
  sha1: string;
  /** What the user picks it for. */
  detail: string;
}

/**
 * Where the models are fetched from unless `parley.speechModels.source` names a mirror; the
 * checksums above are checked whatever the source, so a mirror cannot hand over other weights.
 */
export const DEFAULT_MODEL_SOURCE = 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main';

/** English models first (the voice loop speaks English); the default is the first. */
export const SPEECH_MODELS: readonly SpeechModelEntry[] = [
  {
    name: 'base.en',
    file: 'ggml-base.en.bin',
    size: '142 MiB',
    sha1: '137c40403d78fd54d454da0f9bd998f78703390c',
    detail: 'English; the balance of speed and accuracy',
  },
  {
    name: 'tiny.en',
    file: 'ggml-tiny.en.bin',
    size: '75 MiB',
    sha1: 'c78c86eb1a8faa21b369bcd33207cc90d64ae9df',
    detail: 'English; the fastest, for slow machines',
  },
  {
    name: 'small.en',
    file: 'ggml-small.en.bin',
    size: '466 MiB',
    sha1: 'db8a495a91d927739e50b3fc1cc4c6b8f6c2d022',
    detail: 'English; more accurate, about three times slower than base.en',
  },
  { name: 'base', file: 'ggml-base.bin', size: '142 MiB', sha1: '465707469ff3a37a2b9b8d8f89f2f99de7299dac', detail: 'Multilingual' },
];

export interface InstalledSpeechModel {
  entry: SpeechModelEntry;
  path: string;
  /** When it was downloaded (ms since the epoch). */
  installedAt: number;
}

/** The models folder, once the server knows where global storage is (at initialize). */
export class SpeechModels {
  constructor(
    private folder: string | undefined = undefined,
    readonly catalog: readonly SpeechModelEntry[] = SPEECH_MODELS,
  ) {}

  get dir(): string | undefined {
    return this.folder;
  }

  locate(dir: string): void {
    this.folder = dir;
  }

  entry(name: string): SpeechModelEntry | undefined {
    return this.catalog.find((entry) => entry.name === name);
  }

  /** The downloaded models, the most recently downloaded first. */
  installed(): InstalledSpeechModel[] {
    const dir = this.folder;
    if (!dir) return [];
    return this.catalog
      .flatMap((entry) => {
        const path = join(dir, entry.file);
        try {
          const stat = statSync(path);
          return stat.isFile() ? [{ entry, path, installedAt: stat.mtimeMs }] : [];
        } catch {
          return [];
        }
      })
      .sort((a, b) => b.installedAt - a.installedAt);
  }

  /** The model `name` if it is installed; without a name, the one downloaded last. */
  preferred(name = ''): InstalledSpeechModel | undefined {
    const installed = this.installed();
    return name ? installed.find((model) => model.entry.name === name) : installed[0];
  }
}
