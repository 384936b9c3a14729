/**
 * A Claude Code transcript, and its sub-agents', as one table for the REPL: a row per content block
 * (a record without content is one row), the same columns in every row, written as JSON Lines that
 * pandas reads with `read_json(path, lines=True)`. Streamed both ways: memory grows with the
 * number of API responses and tool calls (ids only), never with the text. Tokens are counted once
 * per API response, on the first row that adds them, so a column's sum is the session's total.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { TranscriptRow } from '../../../protocol/logs';
import { oneLine } from '../../text';
import { readLines } from '../lines';
import { asObject, asString, contentBlocks, readUsage, resultText, ResponseUsage, type Json } from './records';
import { sizeOf, transcriptFiles } from './session';

/** Characters of text, results and tool inputs a row keeps. */
export const ROW_TEXT_CHARS = 500;
const MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface RecordTable {
  rows: number;
  /** Lines that were not records: not JSON, cut off, too long, no type. */
  skippedLines: number;
}

class Rows {
  private readonly responses = new ResponseUsage();
  private readonly toolNames = new Map<string, string>();

  /** The rows of one parsed line, or undefined when it is not a record. */
  of(value: unknown, source: string, line: number): TranscriptRow[] | undefined {
    const record = asObject(value);
    const type = asString(record?.type);
    if (!record || !type) return undefined;
    const message = asObject(record.message);
    const base: TranscriptRow = {
      source,
      line,
      type,
      at: asString(record.timestamp) ?? null,
      sidechain: record.isSidechain === true,
      role: asString(message?.role) ?? null,
      model: asString(message?.model) ?? null,
      block: null,
      tool: null,
      tool_use_id: null,
      is_error: false,
      text: recordText(record),
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
    const blocks = message ? contentBlocks(message) : [];
    const rows = blocks.length === 0 ? [base] : blocks.map((block) => this.blockRow(base, block));
    const usage = type === 'assistant' && message ? readUsage(message.usage) : undefined;
    if (usage) {
      const delta = this.responses.add(ResponseUsage.key(record, message!), usage);
      Object.assign(rows[0]!, {
        input_tokens: delta.input_tokens,
        output_tokens: delta.output_tokens,
        cache_creation_input_tokens: delta.cache_creation_input_tokens,
        cache_read_input_tokens: delta.cache_read_input_tokens,
      });
    }
    return rows;
  }

  private blockRow(base: TranscriptRow, block: Json): TranscriptRow {
    const kind = asString(block.type) ?? 'unknown';
    const row = { ...base, block: kind };
    if (kind === 'tool_use') {
      const id = asString(block.id);
      const name = asString(block.name) ?? 'unknown';
      if (id !== undefined) this.toolNames.set(id, name);
      return { ...row, tool: name, tool_use_id: id ?? null, text: short(JSON.stringify(block.input ?? null)) };
    }
    if (kind === 'tool_result') {
      const id = asString(block.tool_use_id);
      return {
        ...row,
        tool: (id && this.toolNames.get(id)) ?? null,
        tool_use_id: id ?? null,
        is_error: block.is_error === true,
        text: short(resultText(block.content)),
      };
    }
    return { ...row, text: short(asString(block.text) ?? asString(block.thinking) ?? '') };
  }
}

function short(text: string): string | null {
  return text ? oneLine(text, ROW_TEXT_CHARS) : null;
}

/** What a record without message content says: a summary, a system message. */
function recordText(record: Json): string | null {
  return short(asString(record.summary) ?? asString(record.content) ?? '');
}

/**
 * Writes `transcript`'s table to `target` (through a temporary file, so a reader never sees half
 * of it); bad lines are counted and skipped, never fatal.
 */
export async function writeRecordTable(transcript: string, target: string, signal?: AbortSignal): Promise<RecordTable> {
  await sizeOf(transcript);
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  const out = createWriteStream(partial);
  const table: RecordTable = { rows: 0, skippedLines: 0 };
  const rows = new Rows();
  try {
    for (const { file, agentId } of await transcriptFiles(transcript, { signal })) {
      const source = agentId ? `agent-${agentId}` : file === transcript ? 'session' : 'agent';
      for await (const line of readLines(file, { maxLineBytes: MAX_LINE_BYTES, signal })) {
        if (line.text?.trim() === '') continue;
        let found: TranscriptRow[] | undefined;
        try {
          found = line.text === undefined ? undefined : rows.of(JSON.parse(line.text), source, line.number);
        } catch {
          found = undefined;
        }
        if (!found) {
          table.skippedLines++;
          continue;
        }
        for (const row of found) {
          table.rows++;
          if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
        }
      }
    }
    out.end();
    await once(out, 'finish');
    await rename(partial, target);
    return table;
  } catch (error) {
    out.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}
