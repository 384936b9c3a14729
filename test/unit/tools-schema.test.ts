/**
 * The JSON Schema each tool shows the model is derived from its zod input. These are the schemas
 * the vendors' tool APIs get: object schemas with properties, required and descriptions, and no
 * `$schema` key. Against the hand-written ones they replaced, they add `minLength: 1` to paths and
 * queries (an empty one was refused anyway) and the range and default of search_knowledge_base's
 * limit (said only in its description before).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_TOOLS } from '../../server/tools/registry';

const path = (description: string) => ({ type: 'string', minLength: 1, description });
const line = (description: string) => ({ type: 'integer', minimum: 1, description });

const EXPECTED: Record<string, unknown> = {
  open_file: {
    type: 'object',
    properties: {
      path: path('File path, relative to the workspace folder'),
      line: line('Line to reveal (1-based)'),
      endLine: line('Last line of a range to select'),
    },
    required: ['path'],
  },
  read_file: {
    type: 'object',
    properties: {
      path: path('File path, relative to the workspace folder'),
      startLine: line('First line to read (1-based); default 1'),
      endLine: line('Last line to read (inclusive); at most 400 lines (and 100,000 characters) are returned'),
    },
    required: ['path'],
  },
  search_workspace: { type: 'object', properties: { query: { type: 'string', minLength: 1, description: 'Text to find' } }, required: ['query'] },
  list_diagnostics: {
    type: 'object',
    properties: {
      path: path('Only this file (relative to the workspace folder)'),
      severity: { type: 'string', enum: ['error', 'warning', 'information', 'hint'], description: 'Only this severity or worse' },
    },
  },
  propose_edit: {
    type: 'object',
    properties: {
      path: path('File path, relative to the workspace folder'),
      oldText: { type: 'string', description: 'The exact text to replace (unique in the file); empty to create a new file' },
      newText: { type: 'string', description: 'The replacement text' },
      summary: { type: 'string', description: 'One line saying what the edit does, shown to the user' },
    },
    required: ['path', 'oldText', 'newText'],
  },
  search_knowledge_base: {
    type: 'object',
    properties: {
      query: { type: 'string', minLength: 1, description: 'What to look for, in a few words or a question' },
      limit: { type: 'integer', minimum: 1, maximum: 10, default: 5, description: 'How many passages (1 to 10, default 5)' },
    },
    required: ['query'],
  },
  repository_map: { type: 'object', properties: { path: path('File path, relative to the workspace folder') }, required: ['path'] },
  transcript_records: {
    type: 'object',
    properties: {
      tool: { type: 'string', minLength: 1, description: 'Only calls of and results for this tool (e.g. Bash, Edit)' },
      errorsOnly: { type: 'boolean', description: 'Only tool results that failed' },
      contains: { type: 'string', minLength: 1, description: 'Only rows whose text holds this (case-insensitive)' },
      limit: { type: 'integer', minimum: 1, maximum: 100, description: 'Rows to return (default 30, at most 100)' },
    },
  },
};

describe('tool input schemas', () => {
  it('every built-in tool has its expected schema', () => {
    assert.deepEqual(BUILTIN_TOOLS.map((tool) => tool.name).sort(), Object.keys(EXPECTED).sort());
  });

  for (const tool of BUILTIN_TOOLS) {
    it(`${tool.name} shows the model the schema its input is parsed with`, () => {
      assert.deepEqual(tool.inputSchema, EXPECTED[tool.name]);
      assert.equal('$schema' in tool.inputSchema, false);
    });
  }
});
