/** The status report: what the server is running on, where it keeps data, which providers are set. */
import type { ParleySettings } from '../protocol/settings';
import type { StatusReport } from '../protocol/status';
import type { Keys } from './providers/keys';
import type { SpeechModels } from './providers/stt/whisper/models';
import { programStatuses } from './localPrograms';
import { stageStatuses } from './providers/status';
import type { Storage } from './storage/storage';
import { parleyVersion } from './version';
import { findRecorder } from './voice/capture/native';

export interface ReportSources {
  storage: Storage;
  settings: ParleySettings;
  keys: Keys;
  env: NodeJS.ProcessEnv;
  /** The downloaded speech models, where the server knows of them. */
  speech?: SpeechModels;
  live?: { port: number; clients: number } | null;
  startedAt: number;
}

export function buildStatusReport(sources: ReportSources): StatusReport {
  return {
    versions: { parley: parleyVersion, node: process.versions.node, ...sources.storage.capabilities() },
    storage: sources.storage.status,
    providers: stageStatuses(sources.settings, sources.keys, sources.env, sources.speech),
    voice: sources.settings.voice,
    recorder: findRecorder(sources.env)?.program ?? null,
    programs: programStatuses(sources.env),
    live: sources.live ?? null,
    pid: process.pid,
    startedAt: sources.startedAt,
  };
}
