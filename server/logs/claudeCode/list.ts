/**
 * The Claude Code sessions on this machine: one transcript per session in a folder per project
 * under `~/.claude/projects`, newest first. Only the first lines of each are read.
 */
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { readLines } from '../lines';
import type { ClaudeSessionEntry } from '../../../protocol/logs';
import { oneLine } from '../../text';
import { asObject, asString, classifyUserText, contentBlocks } from './records';

/** Claude Code's own folder, or CLAUDE_CONFIG_DIR's when that is set. */
export function claudeProjectsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.CLAUDE_CONFIG_DIR ?? join(homedir(), '.claude'), 'projects');
}

/** Lines read from each transcript to find its first prompt. */
const HEAD_LINES = 200;

export async function listClaudeSessions(root: string, signal?: AbortSignal): Promise<ClaudeSessionEntry[]> {
  const projects = await entries(root);
  if (projects === undefined) throw new Error(`No Claude Code sessions: ${root} does not exist or cannot be read.`);
  const found: ClaudeSessionEntry[] = [];
  for (const project of projects) {
    const dir = join(root, project);
    for (const name of (await entries(dir)) ?? []) {
      if (!name.endsWith('.jsonl') || name.startsWith('agent-')) continue;
      const entry = await describe(join(dir, name), project, signal);
      if (entry) found.push(entry);
    }
  }
  return found.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt));
}

async function entries(dir: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch {
    return undefined;
  }
}

async function describe(file: string, project: string, signal?: AbortSignal): Promise<ClaudeSessionEntry | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const head = await readHead(file, signal);
  return {
    file,
    id: head.id ?? basename(file, '.jsonl'),
    project: head.cwd ?? project,
    modifiedAt: info.mtime.toISOString(),
    ...(head.startedAt ? { startedAt: head.startedAt } : {}),
    ...(head.firstPrompt ? { firstPrompt: head.firstPrompt } : {}),
    bytes: info.size,
  };
}

async function readHead(file: string, signal?: AbortSignal): Promise<{ id?: string; cwd?: string; startedAt?: string; firstPrompt?: string }> {
  const head: { id?: string; cwd?: string; startedAt?: string; firstPrompt?: string } = {};
  let lines = 0;
  for await (const line of readLines(file, { maxLineBytes: 4 << 20, signal })) {
    if (++lines > HEAD_LINES || head.firstPrompt) break;
    let record;
    try {
      record = asObject(JSON.parse(line.text ?? ''));
    } catch {
      continue;
    }
    if (!record) continue;
    head.id ??= asString(record.sessionId);
    head.cwd ??= asString(record.cwd);
    head.startedAt ??= asString(record.timestamp);
    if (record.type === 'user' && record.isMeta !== true) head.firstPrompt = firstPromptOf(asObject(record.message));
  }
  return head;
}

function firstPromptOf(message: Record<string, unknown> | undefined): string | undefined {
  for (const block of contentBlocks(message)) {
    if (block.type !== 'text') continue;
    const said = classifyUserText(asString(block.text) ?? '');
    if (said.kind === 'prompt' || said.kind === 'command') return oneLine(said.text, 200);
  }
  return undefined;
}
