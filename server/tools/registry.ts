/** The assistant's tools, and running one call safely: bad input and refusals come back as text. */
import type * as z from 'zod';
import { errorMessage } from '../log';
import { listDiagnostics } from './builtin/listDiagnostics';
import { openFile } from './builtin/openFile';
import { proposeEdit } from './builtin/proposeEdit';
import { readFile } from './builtin/readFile';
import { repositoryMap } from './builtin/repositoryMap';
import { transcriptRecords } from './builtin/transcriptRecords';
import { createRunCell } from './builtin/runCell';
import { createRunCommand, type HandsDeps } from './builtin/runCommand';
import { searchKnowledgeBase } from './builtin/searchKnowledgeBase';
import { searchWorkspace } from './builtin/searchWorkspace';
import { OutsideWorkspaceError } from './confine';
import { UnreadableFileError } from './files';
import type { Tool, ToolContext, ToolResult } from './types';

export const BUILTIN_TOOLS: readonly Tool[] = [
  openFile,
  readFile,
  searchWorkspace,
  listDiagnostics,
  proposeEdit,
  searchKnowledgeBase,
  repositoryMap,
  transcriptRecords,
];

/** The tools that run things (commands, REPL cells), each asking the user first; they offer themselves only in a trusted workspace. */
export function handsTools(hands: HandsDeps): Tool[] {
  return [createRunCommand(hands), createRunCell(hands)];
}

const EXPECTED_FAILURES = [OutsideWorkspaceError, UnreadableFileError];

/** Models send null for an optional field they leave out; it counts as absent. */
function withoutNulls(input: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null));
}

/** What is wrong with a call's input, for the model to correct: `"path" must not be empty; "newText" is missing (a string)`. */
function inputProblems(error: z.ZodError): string {
  const problem = (message: string) => message.replace(/^Invalid input: /, '').replace(/^expected (\w+), received undefined$/, 'is missing (a $1)');
  return error.issues.map((issue) => `${issue.path.length ? `"${issue.path.join('.')}" ` : ''}${problem(issue.message)}`).join('; ');
}

export async function runTool(tools: readonly Tool[], name: string, input: unknown, context: ToolContext, signal: AbortSignal): Promise<ToolResult> {
  const tool = tools.find((candidate) => candidate.name === name);
  if (!tool) return { content: `There is no tool named "${name}".`, isError: true };
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { content: `The input of ${name} must be a JSON object.`, isError: true };
  const parsed = tool.input.safeParse(withoutNulls(input));
  if (!parsed.success) return { content: `The input of ${name} does not match its schema: ${inputProblems(parsed.error)}.`, isError: true };
  try {
    return await tool.run(parsed.data, context, signal);
  } catch (error) {
    if (EXPECTED_FAILURES.some((kind) => error instanceof kind)) return { content: errorMessage(error), isError: true };
    return { content: `${name} failed: ${errorMessage(error)}`, isError: true };
  }
}
