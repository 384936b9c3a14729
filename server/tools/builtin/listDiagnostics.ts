import * as z from 'zod';
import { defineTool, pathField } from '../types';

const SEVERITIES = ['error', 'warning', 'information', 'hint'] as const;

const MAX_LISTED = 100;

export const listDiagnostics = defineTool({
  name: 'list_diagnostics',
  description: 'List the problems (errors, warnings) that language servers and linters report, for one file or the whole workspace.',
  input: z.object({
    path: pathField('Only this file (relative to the workspace folder)').optional(),
    severity: z.enum(SEVERITIES).optional().describe('Only this severity or worse'),
  }),
  async run({ path: only, severity = 'hint' }, { folders, editorState }) {
    const path = only ? folders.resolve(only) : undefined;
    const worst = SEVERITIES.indexOf(severity);
    const state = await editorState();
    const matching = state.diagnostics.filter((d) => (!path || d.path === path) && SEVERITIES.indexOf(d.severity) <= worst);
    if (matching.length === 0) return { content: only ? `No problems reported in ${folders.display(path!)}.` : 'No problems reported in the workspace.' };
    const lines = matching
      .slice(0, MAX_LISTED)
      .map(
        (d) =>
          `${folders.display(d.path)}:${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity}${d.source ? ` [${d.source}${d.code ? ` ${d.code}` : ''}]` : ''}: ${d.message}`,
      );
    const more = matching.length > MAX_LISTED ? `\n(${matching.length - MAX_LISTED} more not shown)` : '';
    return { content: lines.join('\n') + more };
  },
});
