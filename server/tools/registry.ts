/** The assistant's tools, and running one call safely: bad input and refusals come back as text. */
import { errorMessage } from '../log';
import { listDiagnostics } from './builtin/listDiagnostics';
import { openFile } from './builtin/openFile';
import { proposeEdit } from './builtin/proposeEdit';
import { readFile } from './builtin/readFile';
import { searchKnowledgeBase } from './builtin/searchKnowledgeBase';
import { searchWorkspace } from './builtin/searchWorkspace';
import { OutsideWorkspaceError } from './confine';
import { UnreadableFileError } from './files';
import { ToolInputError, type Tool, type ToolContext, type ToolResult } from './types';

export const BUILTIN_TOOLS: readonly Tool[] = [openFile, readFile, searchWorkspace, listDiagnostics, proposeEdit, searchKnowledgeBase];

const EXPECTED_FAILURES = [ToolInputError, OutsideWorkspaceError, UnreadableFileError];

export async function runTool(tools: readonly Tool[], name: string, input: unknown, context: ToolContext, signal: AbortSignal): Promise<ToolResult> {
  const tool = tools.find((candidate) => candidate.name === name);
  if (!tool) return { content: `There is no tool named "${name}".`, isError: true };
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { content: `The input of ${name} must be a JSON object.`, isError: true };
  try {
    return await tool.run(input as Record<string, unknown>, context, signal);
  } catch (error) {
    if (EXPECTED_FAILURES.some((kind) => error instanceof kind)) return { content: errorMessage(error), isError: true };
    return { content: `${name} failed: ${errorMessage(error)}`, isError: true };
  }
}
