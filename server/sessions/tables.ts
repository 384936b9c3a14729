/**
 * The transcript table of each Log Analysis session (server/logs/claudeCode/table.ts), kept in
 * the workspace's storage beside its session history, for the REPL to load and the model to read.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeRecordTable, type RecordTable } from '../logs/claudeCode/table';

export class TranscriptTables {
  constructor(private readonly dir: string) {}

  private file(sessionId: string): string {
    // Session ids are UUIDs (or an imported session's own id): keep only what is safe in a file name.
    return join(this.dir, `${sessionId.replace(/[^\w-]/g, '_')}.jsonl`);
  }

  /** The session's table, when it has one. */
  of(sessionId: string): string | undefined {
    const file = this.file(sessionId);
    return existsSync(file) ? file : undefined;
  }

  write(sessionId: string, transcript: string, signal?: AbortSignal): Promise<RecordTable> {
    return writeRecordTable(transcript, this.file(sessionId), signal);
  }

  remove(sessionId: string): Promise<void> {
    return rm(this.file(sessionId), { force: true });
  }
}

/** The Python that loads a table as `records`: a pandas DataFrame, or without pandas a list of dicts (which the REPL also shows as a table). */
export function loadRecordsCode(file: string): string {
  const path = JSON.stringify(file);
  return [
    'import json',
    'try:',
    '    import pandas as pd',
    `    records = pd.read_json(${path}, lines=True, dtype=False)`,
    'except ImportError:',
    `    with open(${path}, encoding="utf-8") as table:`,
    '        records = [json.loads(row) for row in table]',
    'records',
  ].join('\n');
}
