import { optionalString, type Tool } from '../types';

const MAX_LISTED = 100;

export const listDiagnostics: Tool = {
  name: 'list_diagnostics',
  description: 'List the problems (errors, warnings) that language servers and linters report, for one file or the whole workspace.',
  inputSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', description: 'Only this file (relative to the workspace folder)' },
      severity: { type: 'string', enum: ['error', 'warning', 'information', 'hint'], description: 'Only this severity or worse' },
    },
  },
  async run(input, { folders, editorState }) {
    const only = optionalString(input, 'path');
    const path = only ? folders.resolve(only) : undefined;
    const order = ['error', 'warning', 'information', 'hint'];
    const worst = order.indexOf(optionalString(input, 'severity') ?? 'hint');
    const state = await editorState();
    const matching = state.diagnostics.filter((d) => (!path || d.path === path) && order.indexOf(d.severity) <= (worst < 0 ? 3 : worst));
    if (matching.length === 0) return { content: only ? `No problems reported in ${folders.display(path!)}.` : 'No problems reported in the workspace.' };
    const lines = matching.slice(0, MAX_LISTED).map((d) => `${folders.display(d.path)}:${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity}${d.source ? ` [${d.source}${d.code ? ` ${d.code}` : ''}]` : ''}: ${d.message}`);
    const more = matching.length > MAX_LISTED ? `\n(${matching.length - MAX_LISTED} more not shown)` : '';
    return { content: lines.join('\n') + more };
  },
};
