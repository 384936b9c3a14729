/**
 * Whether each stage can run as configured, and if not, the one thing the user should do.
 * Never simulates a provider: an unconfigured stage is reported as such.
 */
import { existsSync } from 'node:fs';
import { STAGES, type ParleySettings, type Stage } from '../../protocol/settings';
import type { StageStatus } from '../../protocol/status';
import type { Keys } from './keys';
import { resolveStt, sttChoiceNote } from './stt/byKeys';
import { whisperAddonPath } from './stt/whisper/addon';
import type { SpeechModels } from './stt/whisper/models';
import { OFFLINE_STT_PROGRAMS, SYSTEM_TTS_PROGRAMS, findFirstProgram } from './programs';

type Check = { configured: true } | { configured: false; hint: string };

const OK: Check = { configured: true };
const needs = (hint: string): Check => ({ configured: false, hint });

const COMPATIBLE_HINT = (stage: Stage) => `Set parley.${stage}.baseUrl to your OpenAI-compatible server (for example http://127.0.0.1:11434/v1).`;

function checkStage(stage: Stage, settings: ParleySettings, keys: Keys, env: NodeJS.ProcessEnv, speech: SpeechModels | undefined): Check {
  const { provider, baseUrl } = settings[stage];
  switch (provider) {
    case 'anthropic':
      return keys.has('anthropic')
        ? OK
        : needs('Set an Anthropic key (Parley: Set API Key), or point Parley at a local OpenAI-compatible server (parley.llm.provider = openai-compatible).');
    case 'openai':
      // Speech at a base URL is usually a local OpenAI-style server, which needs no key.
      if (stage === 'tts' && baseUrl) return OK;
      return keys.has('openai') ? OK : needs('Set an OpenAI key (Parley: Set API Key).');
    case 'openai-compatible':
      if (!baseUrl) return needs(COMPATIBLE_HINT(stage));
      // A compatible server has no default model Parley could know, for chat and for embeddings.
      if ((stage === 'llm' || stage === 'embeddings') && !settings[stage].model)
        return needs(`Set parley.${stage}.model to a model your OpenAI-compatible server serves.`);
      return OK;
    case 'deepgram':
      return keys.has('deepgram') ? OK : needs('Set a Deepgram key (Parley: Set API Key).');
    case 'whisper':
      return whisperCheck(settings.stt.model, speech);
    case 'offline':
      return findFirstProgram(OFFLINE_STT_PROGRAMS, env)
        ? OK
        : needs('Install pocketsphinx (for example: apt-get install pocketsphinx pocketsphinx-en-us), or choose another speech-to-text provider.');
    case 'system':
      return findFirstProgram(SYSTEM_TTS_PROGRAMS, env)
        ? OK
        : needs('Install a system voice (for example: apt-get install espeak-ng), or choose another text-to-speech provider.');
    case 'onnx': {
      const folder = settings.embeddings.modelFolder;
      if (!folder) return needs('Set parley.embeddings.modelFolder to the folder of a sentence-embedding model in ONNX (model.onnx and tokenizer.json).');
      return existsSync(folder) ? OK : needs(`parley.embeddings.modelFolder is ${folder}, which does not exist. Point it at the model's folder.`);
    }
    case 'none':
    case 'builtin':
      return OK;
    default:
      return needs(`Unknown provider "${provider}" for parley.${stage}.provider.`);
  }
}

/** The local recognizer can run: whisper.cpp's addon is there for this platform and the model is downloaded. */
function whisperCheck(model: string, speech: SpeechModels | undefined): Check {
  if (!whisperAddonPath())
    return needs(`whisper.cpp has no build for ${process.platform}-${process.arch} in this Parley; choose another speech-to-text provider.`);
  if (speech?.preferred(model)) return OK;
  if (model && speech?.entry(model) === undefined)
    return needs(`parley.stt.model is ${model}, which is not one of the speech models (${speech?.catalog.map((entry) => entry.name).join(', ')}).`);
  return needs(
    model
      ? `The speech model ${model} is not downloaded: run Parley: Download Speech Model, or empty parley.stt.model to use one that is.`
      : 'No speech model is downloaded yet: run Parley: Download Speech Model (base.en is 142 MiB), or choose another speech-to-text provider.',
  );
}

/** One stage's status, with `choice` in place of its setting (a fallback, say). */
export function stageStatus<S extends Stage>(
  stage: S,
  settings: ParleySettings,
  keys: Keys,
  env: NodeJS.ProcessEnv = process.env,
  choice: ParleySettings[S] = settings[stage],
  speech?: SpeechModels,
): StageStatus {
  return stageStatuses({ ...settings, [stage]: choice }, keys, env, speech).find((status) => status.stage === stage)!;
}

/** The choices that are set up (a key, a base URL, a program), in their order. */
export function configuredChoices<S extends Stage>(
  stage: S,
  settings: ParleySettings,
  choices: readonly ParleySettings[S][],
  keys: Keys,
  env: NodeJS.ProcessEnv = process.env,
  speech?: SpeechModels,
): ParleySettings[S][] {
  return choices.filter((choice) => stageStatus(stage, settings, keys, env, choice, speech).configured);
}

export function stageStatuses(configured: ParleySettings, keys: Keys, env: NodeJS.ProcessEnv = process.env, speech?: SpeechModels): StageStatus[] {
  const settings = { ...configured, stt: resolveStt(configured.stt, keys, speech) };
  return STAGES.map((stage) => {
    const { provider, baseUrl } = settings[stage];
    // The local recognizer's model, when none is named, is the one downloaded last.
    const model = stage === 'stt' && provider === 'whisper' ? settings.stt.model || (speech?.preferred()?.entry.name ?? '') : settings[stage].model;
    const note = stage === 'stt' && configured.stt.provider === 'auto' ? { note: sttChoiceNote(keys, speech) } : {};
    return { stage, provider, model, baseUrl, ...note, ...checkStage(stage, settings, keys, env, speech) };
  });
}
