/** The local recognizer's speech models, as Parley: Download Speech Model shows them. */

export interface SpeechModelInfo {
  name: string;
  /** As whisper.cpp publishes it ("142 MiB"). */
  size: string;
  detail: string;
  installed: boolean;
  /** Speech to text uses this one now. */
  inUse: boolean;
}

export interface SpeechModelList {
  models: SpeechModelInfo[];
  /** Where downloaded models are kept (under the extension's global storage). */
  dir: string;
  /** The address they are downloaded from. */
  source: string;
}

export interface SpeechModelDownloadResult {
  name: string;
  path: string;
  /** What speech to text does with it now, in a sentence. */
  message: string;
}
