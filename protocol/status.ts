/**
 * What the server reports about itself (`parley/status`, and the panel's `hello` and `report`
 * frames), declared as schemas: the panel parses the frames with them (protocol/serverFrames.ts).
 */
// The mini build: the webviews bundle these schemas.
import * as z from 'zod/mini';
import { STAGES, VoiceSettingsSchema } from './settings';

/** How one provider stage stands: what is chosen and whether it can be used as configured. */
export const StageStatusSchema = z.object({
  stage: z.enum(STAGES),
  provider: z.string(),
  model: z.string(),
  baseUrl: z.string(),
  /** True when everything the provider needs (key, base URL, local program) is present. */
  configured: z.boolean(),
  /** When not configured: what the user should do, in one sentence. */
  hint: z.optional(z.string()),
  /** How this provider came to be chosen, and how to choose another (a recognizer chosen by the keys). */
  note: z.optional(z.string()),
});
export type StageStatus = z.output<typeof StageStatusSchema>;

/** A program on the machine that a part of Parley runs. */
export const ProgramStatusSchema = z.object({
  id: z.enum(['recognizer', 'voice', 'recorder', 'git']),
  name: z.string(),
  /** What it is for, naming the setting that chooses it. */
  usedFor: z.string(),
  /** Where it was found on PATH, or null when it is missing. */
  path: z.nullable(z.string()),
  /** When missing: the command that installs it on this platform (or why there is none). */
  install: z.optional(z.string()),
});
export type ProgramStatus = z.output<typeof ProgramStatusSchema>;

export const StorageStatusSchema = z.object({
  globalDir: z.string(),
  workspaceDir: z.string(),
  knowledgeDb: z.string(),
  sessionsDb: z.string(),
  /** Set when a database had to be moved aside at start; says where the old file went. */
  recovered: z.array(z.string()),
});
export type StorageStatus = z.output<typeof StorageStatusSchema>;

/** Everything `parley/status` reports. Never carries a key. */
export const StatusReportSchema = z.object({
  versions: z.object({
    parley: z.string(),
    node: z.string(),
    sqlite: z.string(),
    sqliteVec: z.string(),
    fts5: z.boolean(),
  }),
  storage: StorageStatusSchema,
  providers: z.array(StageStatusSchema),
  /** How Parley listens, so the panel can offer push-to-talk or hands-free and pick the microphone. */
  voice: VoiceSettingsSchema,
  /** The program the server records the system microphone with, or null when the machine has none. */
  recorder: z.nullable(z.string()),
  /** The local programs parts of Parley run, found or missing. */
  programs: z.array(ProgramStatusSchema),
  /** The live WebSocket, when this server runs one (the command line does not). */
  live: z.nullable(z.object({ port: z.number(), clients: z.number() })),
  pid: z.number(),
  startedAt: z.number(),
});
export type StatusReport = z.output<typeof StatusReportSchema>;

/** The server's overall state, driving the status bar. */
export const HEALTHS = ['starting', 'ready', 'warning', 'error'] as const;
export type Health = (typeof HEALTHS)[number];
/** What the voice loop is doing right now. */
export const ACTIVITIES = ['idle', 'listening', 'thinking', 'speaking'] as const;
export type Activity = (typeof ACTIVITIES)[number];

export const ServerStatusSchema = z.object({
  health: z.enum(HEALTHS),
  activity: z.enum(ACTIVITIES),
  /** One line for the status bar tooltip; for `warning` and `error` it says what to do. */
  message: z.string(),
});
export type ServerStatus = z.output<typeof ServerStatusSchema>;
