import type { Stage, VoiceSettings } from './settings';

/** How one provider stage stands: what is chosen and whether it can be used as configured. */
export interface StageStatus {
  stage: Stage;
  provider: string;
  model: string;
  baseUrl: string;
  /** True when everything the provider needs (key, base URL, local program) is present. */
  configured: boolean;
  /** When not configured: what the user should do, in one sentence. */
  hint?: string;
}

/** A program on the machine that a part of Parley runs. */
export interface ProgramStatus {
  id: 'recognizer' | 'voice' | 'recorder' | 'git';
  name: string;
  /** What it is for, naming the setting that chooses it. */
  usedFor: string;
  /** Where it was found on PATH, or null when it is missing. */
  path: string | null;
  /** When missing: the command that installs it on this platform (or why there is none). */
  install?: string;
}

export interface StorageStatus {
  globalDir: string;
  workspaceDir: string;
  knowledgeDb: string;
  sessionsDb: string;
  /** Set when a database had to be moved aside at start; says where the old file went. */
  recovered: string[];
}

/** Everything `parley/status` reports. Never carries a key. */
export interface StatusReport {
  versions: {
    parley: string;
    node: string;
    sqlite: string;
    sqliteVec: string;
    fts5: boolean;
  };
  storage: StorageStatus;
  providers: StageStatus[];
  /** How Parley listens, so the panel can offer push-to-talk or hands-free and pick the microphone. */
  voice: VoiceSettings;
  /** The program the server records the system microphone with, or null when the machine has none. */
  recorder: string | null;
  /** The local programs parts of Parley run, found or missing. */
  programs: ProgramStatus[];
  /** The live WebSocket, when this server runs one (the command line does not). */
  live: { port: number; clients: number } | null;
  pid: number;
  startedAt: number;
}

/** The server's overall state, driving the status bar. */
export type Health = 'starting' | 'ready' | 'warning' | 'error';
/** What the voice loop is doing right now. */
export type Activity = 'idle' | 'listening' | 'thinking' | 'speaking';

export interface ServerStatus {
  health: Health;
  activity: Activity;
  /** One line for the status bar tooltip; for `warning` and `error` it says what to do. */
  message: string;
}
