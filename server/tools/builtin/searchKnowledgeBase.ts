import type { Citation } from '../../../protocol/session';
import { stringField, ToolInputError, type Tool } from '../types';

const DEFAULT_RESULTS = 5;
const MAX_RESULTS = 10;

export const searchKnowledgeBase: Tool = {
  name: 'search_knowledge_base',
  description:
    "Search the user's own notes (Obsidian vaults, Markdown docs they added to Parley's knowledge base) for passages about a topic. " +
    'Use it when the question may be answered by what the user wrote down: how they deploy, their conventions, decisions, how-tos. Cite passages by their number.',
  inputSchema: {
    type: 'object',
    properties: {
      query: { type: 'string', description: 'What to look for, in a few words or a question' },
      limit: { type: 'integer', description: `How many passages (1 to ${MAX_RESULTS}, default ${DEFAULT_RESULTS})` },
    },
    required: ['query'],
  },
  async run(input, { knowledge }, signal) {
    if (!knowledge) return { content: 'The knowledge base is not available right now (see the Knowledge Base view).', isError: true };
    const query = stringField(input, 'query');
    const limit = input.limit === undefined ? DEFAULT_RESULTS : input.limit;
    if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_RESULTS) throw new ToolInputError(`"limit" must be a whole number from 1 to ${MAX_RESULTS}`);
    const passages = await knowledge.search(query, limit as number, signal);
    if (passages.length === 0) return { content: `No passages in the knowledge base match "${query}".` };
    const citations: Citation[] = passages.map((p) => ({ label: p.headingPath.join(' › '), path: p.path, line: p.line }));
    const blocks = passages.map((p, i) => {
      const correction = p.correction ? `\nCorrection by the user (v${p.correction.version}): ${p.correction.text}` : '';
      return `[${i + 1}] ${citations[i]!.label} (${p.relPath}, line ${p.line + 1})\n${p.snippet}${correction}`;
    });
    return { content: blocks.join('\n\n'), citations };
  },
};
