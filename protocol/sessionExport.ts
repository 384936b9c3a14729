/**
 * A session exported as JSON (`parley sessions export <id> --format json`): a documented shape
 * that `parley sessions import` reads back, validated, into the same session.
 */
import * as z from 'zod/mini';
import { CellTableSchema } from './cellTable';
import { CELL_LANGUAGES, RUN_OUTCOMES } from './live';
import { SESSION_TYPES, TurnSchema } from './session';

export const SESSION_EXPORT_FORMAT = 'parley-session';
export const SESSION_EXPORT_VERSION = 1;

export const ExecutionSchema = z.object({
  language: z.enum(CELL_LANGUAGES),
  source: z.enum(['user', 'assistant']),
  code: z.string(),
  outcome: z.enum(RUN_OUTCOMES),
  ms: z.number(),
  /** What it printed, its value and its error with the traceback, in order. */
  output: z.string(),
  /** Figures it drew, PNGs in base64. */
  images: z.array(z.string()),
  tables: z.array(CellTableSchema),
  createdAt: z.number(),
});

export const SessionExportSchema = z.object({
  format: z.literal(SESSION_EXPORT_FORMAT),
  version: z.literal(SESSION_EXPORT_VERSION),
  session: z.object({ id: z.string().check(z.minLength(1)), type: z.enum(SESSION_TYPES), startedAt: z.number(), brief: z.optional(z.string()) }),
  /** In the order they were said; times in milliseconds since the epoch. */
  turns: z.array(TurnSchema),
  executions: z.array(ExecutionSchema),
});
export type SessionExport = z.output<typeof SessionExportSchema>;
