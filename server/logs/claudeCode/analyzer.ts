/**
 * Folds a Claude Code transcript's records, one at a time, into its analysis. Memory grows with
 * the number of API messages and tool calls (ids, not content), never with the text: only the
 * first prompt and shortened error messages are kept.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type {
  ClaudeSessionAnalysis,
  FileTouched,
  LogError,
  ModelUsage,
  PromptGap,
  RepeatedFailure,
  SkippedLine,
  TokenUsage,
  ToolStats,
} from '../../../protocol/logs';
import type { PriceTable } from '../../../protocol/pricing';
import { SYNTHETIC_MODEL, priceOf, usageCost } from '../../pricing';
import {
  USAGE_FIELDS,
  addUsage,
  asObject,
  asString,
  classifyUserText,
  contentBlocks,
  emptyUsage,
  fileOfToolCall,
  readUsage,
  resultText,
  ResponseUsage,
  type Json,
} from './records';
import { oneLine } from '../../text';
import { Timeline } from './timeline';

/** Bounds on what the analysis lists; counts are always complete. */
const MAX_ERRORS = 200;
const MAX_SKIPPED = 50;
const MAX_FILES = 500;
const MAX_REPEATED = 20;
const LONGEST_GAPS = 5;

interface FileStats {
  file: string;
  agentId?: string;
  records: number;
  messages: number;
  usage: TokenUsage;
}

interface ToolCall {
  name: string;
  /** A digest of the name and input: equal for the same call made again. */
  key: string;
  input: string;
}

export class TranscriptAnalyzer {
  private readonly info: { id?: string; cwd?: string; gitBranch?: string; version?: string; firstPrompt?: string; summaries: string[] } = { summaries: [] };
  private firstMs?: number;
  private lastMs?: number;
  private messages = 0;
  private prompts = 0;
  private readonly records: Record<string, number> = {};
  private sidechainRecords = 0;
  private readonly usage = emptyUsage();
  private readonly models = new Map<string, { messages: number; usage: TokenUsage }>();
  private readonly responses = new ResponseUsage();
  private readonly toolCalls = new Map<string, ToolCall>();
  private readonly tools: Record<string, ToolStats> = {};
  private readonly errors: LogError[] = [];
  private errorCount = 0;
  private readonly failures = new Map<string, RepeatedFailure>();
  private readonly files = new Map<string, FileTouched>();
  private readonly timeline = new Timeline();
  private readonly promptTimes: { ms: number; text: string }[] = [];
  private skippedLines = 0;
  private readonly skipped: SkippedLine[] = [];
  private truncatedTail = false;
  private bytes = 0;
  private readonly perFile: FileStats[] = [];
  private current!: FileStats;

  constructor(private readonly prices: PriceTable) {}

  /** Starts the records of `file`: the session's own first, then each sub-agent's. */
  beginFile(file: string, agentId?: string): void {
    this.current = { file, ...(agentId ? { agentId } : {}), records: 0, messages: 0, usage: emptyUsage() };
    this.perFile.push(this.current);
  }

  addBytes(bytes: number): void {
    this.bytes += bytes;
  }

  skip(line: number, reason: string, unterminated = false): void {
    if (unterminated) this.truncatedTail = true;
    this.skippedLines += 1;
    if (this.skipped.length < MAX_SKIPPED) this.skipped.push({ file: this.current.file, line, reason });
  }

  /** One parsed line of JSON. */
  add(value: unknown, line: number): void {
    const record = asObject(value);
    const type = asString(record?.type);
    if (!record || !type) {
      this.skip(line, record ? 'a JSON object without a "type"' : `JSON ${Array.isArray(value) ? 'array' : typeof value}, not a record`);
      return;
    }
    this.records[type] = (this.records[type] ?? 0) + 1;
    this.current.records += 1;
    const at = this.stamp(record);
    if (record.isSidechain === true) this.sidechainRecords += 1;
    if (type === 'user') this.user(record, line, at);
    else if (type === 'assistant') this.assistant(record, line, at);
    else if (type === 'system') this.system(record, line, at);
    else if (type === 'summary') this.summary(record);
  }

  private stamp(record: Json): number | undefined {
    this.info.id ??= asString(record.sessionId);
    this.info.cwd ??= asString(record.cwd);
    this.info.gitBranch = asString(record.gitBranch) || this.info.gitBranch;
    this.info.version = asString(record.version) ?? this.info.version;
    const ms = Date.parse(asString(record.timestamp) ?? '');
    if (Number.isNaN(ms)) return this.lastMs;
    this.firstMs = Math.min(this.firstMs ?? ms, ms);
    this.lastMs = Math.max(this.lastMs ?? ms, ms);
    return ms;
  }

  /** A user record: the user's prompt, or tool results; a sub-agent's "user" is the agent that called it, not a prompt. */
  private user(record: Json, line: number, at: number | undefined): void {
    const message = asObject(record.message);
    if (!message) return;
    this.countMessage();
    for (const block of contentBlocks(message)) {
      if (block.type === 'tool_result') this.toolResult(block, line, at);
      else if (block.type === 'text' && record.isMeta !== true && record.isSidechain !== true) this.userText(asString(block.text) ?? '', at);
    }
  }

  private userText(text: string, at: number | undefined): void {
    const said = classifyUserText(text);
    if (said.kind !== 'prompt' && said.kind !== 'command') return;
    this.prompts += 1;
    this.info.firstPrompt ??= oneLine(said.text, 300);
    if (at === undefined) return;
    this.promptTimes.push({ ms: at, text: oneLine(said.text, 120) });
    this.timeline.at(at).prompts += 1;
  }

  private assistant(record: Json, line: number, at: number | undefined): void {
    const message = asObject(record.message);
    if (!message) return;
    const model = asString(message.model) ?? 'unknown';
    const key = ResponseUsage.key(record, message);
    if (!this.responses.seen(key)) this.countResponse(model);
    const usage = readUsage(message.usage);
    if (usage) this.addResponseUsage(model, this.responses.add(key, usage), at);
    for (const block of contentBlocks(message)) if (block.type === 'tool_use') this.toolUse(block, at);
    if (record.isApiErrorMessage === true) {
      const text = contentBlocks(message)
        .map((block) => asString(block.text) ?? '')
        .join(' ');
      this.error({ line, kind: 'api', message: text || 'API error' }, at);
    }
  }

  private countMessage(): void {
    this.messages += 1;
    this.current.messages += 1;
  }

  private countResponse(model: string): void {
    this.countMessage();
    this.modelEntry(model).messages += 1;
  }

  private modelEntry(model: string): { messages: number; usage: TokenUsage } {
    let entry = this.models.get(model);
    if (!entry) this.models.set(model, (entry = { messages: 0, usage: emptyUsage() }));
    return entry;
  }

  private addResponseUsage(model: string, delta: TokenUsage, at: number | undefined): void {
    addUsage(this.usage, delta);
    addUsage(this.current.usage, delta);
    addUsage(this.modelEntry(model).usage, delta);
    if (at !== undefined) this.timeline.addUsage(at, delta);
  }

  private toolUse(block: Json, at: number | undefined): void {
    const id = asString(block.id);
    if (id !== undefined && this.toolCalls.has(id)) return;
    const name = asString(block.name) ?? 'unknown';
    const inputJson = JSON.stringify(block.input ?? null) ?? 'null';
    const call = { name, key: createHash('sha1').update(name).update('\u0000').update(inputJson).digest('hex'), input: oneLine(inputJson, 160) };
    if (id !== undefined) this.toolCalls.set(id, call);
    (this.tools[name] ??= { calls: 0, errors: 0 }).calls += 1;
    if (at !== undefined) this.timeline.at(at).toolCalls += 1;
    const file = fileOfToolCall(name, asObject(block.input));
    if (file) this.touch(file.path, file.edit);
  }

  private touch(path: string, edit: boolean): void {
    let entry = this.files.get(path);
    if (!entry) this.files.set(path, (entry = { path, reads: 0, edits: 0 }));
    if (edit) entry.edits += 1;
    else entry.reads += 1;
  }

  private toolResult(block: Json, line: number, at: number | undefined): void {
    if (block.is_error !== true) return;
    const call = this.toolCalls.get(asString(block.tool_use_id) ?? '');
    const tool = call?.name ?? 'unknown';
    (this.tools[tool] ??= { calls: 0, errors: 0 }).errors += 1;
    this.error({ line, kind: 'tool', tool, message: resultText(block.content) || 'the tool failed' }, at);
    if (call) this.failed(call, at);
  }

  private failed(call: ToolCall, at: number | undefined): void {
    const iso = at === undefined ? undefined : new Date(at).toISOString();
    const entry = this.failures.get(call.key);
    if (!entry) {
      this.failures.set(call.key, { tool: call.name, input: call.input, failures: 1, ...(iso ? { firstAt: iso, lastAt: iso } : {}) });
      return;
    }
    entry.failures += 1;
    if (iso) {
      entry.firstAt ??= iso;
      entry.lastAt = iso;
    }
  }

  private system(record: Json, line: number, at: number | undefined): void {
    const level = asString(record.level);
    if (level !== 'error' && !/error/i.test(asString(record.subtype) ?? '')) return;
    this.error({ line, kind: 'system', message: asString(record.content) ?? asString(record.subtype) ?? 'system error' }, at);
  }

  private summary(record: Json): void {
    const text = asString(record.summary);
    if (text) this.info.summaries.push(oneLine(text, 500));
  }

  private error(error: Omit<LogError, 'file' | 'at'>, at: number | undefined): void {
    this.errorCount += 1;
    if (at !== undefined) this.timeline.at(at).errors += 1;
    if (this.errors.length >= MAX_ERRORS) return;
    this.errors.push({
      ...error,
      file: this.current.file,
      ...(at === undefined ? {} : { at: new Date(at).toISOString() }),
      message: oneLine(error.message, 300),
    });
  }

  finish(): ClaudeSessionAnalysis {
    const main = this.perFile[0]!;
    const models = [...this.models].map(([model, entry]) => this.priced(model, entry)).sort((a, b) => b.messages - a.messages);
    const unpriced = models.filter((entry) => entry.costUsd === undefined && hasTokens(entry.usage)).map((entry) => entry.model);
    const priced = models.filter((entry) => entry.costUsd !== undefined);
    const timeline = this.timeline.buckets(this.firstMs, this.lastMs);
    return {
      session: {
        id: this.info.id ?? basename(main.file).replace(/\.jsonl$/, ''),
        file: main.file,
        ...definedOnly({ cwd: this.info.cwd, gitBranch: this.info.gitBranch, version: this.info.version }),
        ...(this.firstMs === undefined ? {} : { startedAt: new Date(this.firstMs).toISOString(), endedAt: new Date(this.lastMs!).toISOString() }),
        durationMs: this.firstMs === undefined ? 0 : this.lastMs! - this.firstMs,
        ...definedOnly({ firstPrompt: this.info.firstPrompt }),
        summaries: this.info.summaries,
      },
      messages: this.messages,
      prompts: this.prompts,
      records: this.records,
      sidechainRecords: this.sidechainRecords,
      usage: this.usage,
      ...(priced.length > 0 ? { costUsd: roundUsd(priced.reduce((sum, entry) => sum + entry.costUsd!, 0)) } : {}),
      models,
      unpricedModels: unpriced,
      ...definedOnly({ pricesTakenOn: this.prices.takenOn }),
      tools: this.tools,
      errors: this.errors,
      errorCount: this.errorCount,
      repeatedFailures: [...this.failures.values()]
        .filter((entry) => entry.failures > 1)
        .sort((a, b) => b.failures - a.failures)
        .slice(0, MAX_REPEATED),
      files: [...this.files.values()].sort((a, b) => b.reads + b.edits - (a.reads + a.edits)).slice(0, MAX_FILES),
      timeline: timeline.buckets,
      bucketMs: timeline.bucketMs,
      promptGaps: promptGaps(this.promptTimes),
      subagents: this.perFile.slice(1).map(({ file, agentId, records, messages, usage }) => ({ file, ...definedOnly({ agentId }), records, messages, usage })),
      skippedLines: this.skippedLines,
      skipped: this.skipped,
      truncatedTail: this.truncatedTail,
      bytes: this.bytes,
    };
  }

  private priced(model: string, entry: { messages: number; usage: TokenUsage }): ModelUsage {
    const price = model === SYNTHETIC_MODEL ? { inputPerMTok: 0, outputPerMTok: 0 } : priceOf(this.prices, model);
    return { model, messages: entry.messages, usage: entry.usage, ...(price ? { costUsd: roundUsd(usageCost(entry.usage, price)) } : {}) };
  }
}

function hasTokens(usage: TokenUsage): boolean {
  return USAGE_FIELDS.some((field) => usage[field] > 0);
}

function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Time from each prompt to the next: the median, and the longest few with the prompt before them. */
function promptGaps(prompts: { ms: number; text: string }[]): { medianMs?: number; longest: PromptGap[] } {
  const ordered = [...prompts].sort((a, b) => a.ms - b.ms);
  const gaps = ordered.slice(1).map((next, i) => ({ from: ordered[i]!, to: next, ms: next.ms - ordered[i]!.ms }));
  if (gaps.length === 0) return { longest: [] };
  const sorted = gaps.map((gap) => gap.ms).sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const longest = [...gaps]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, LONGEST_GAPS)
    .map((gap) => ({ from: new Date(gap.from.ms).toISOString(), to: new Date(gap.to.ms).toISOString(), ms: gap.ms, prompt: gap.from.text }));
  return { medianMs, longest };
}
