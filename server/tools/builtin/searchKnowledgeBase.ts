import type { Citation } from '../../../protocol/session';
import * as z from 'zod';
import { defineTool } from '../types';

const DEFAULT_RESULTS = 5;
const MAX_RESULTS = 10;

export const searchKnowledgeBase = defineTool({
  name: 'search_knowledge_base',
  description:
    "Search the user's own notes (Obsidian vaults, Markdown docs they added to Parley's knowledge base) for passages about a topic. " +
    'Use it when the question may be answered by what the user wrote down: how they deploy, their conventions, decisions, how-tos. Cite passages by their number.',
  input: z.object({
    query: z.string().min(1, { error: 'must not be empty' }).describe('What to look for, in a few words or a question'),
    limit: z.number().int().min(1).max(MAX_RESULTS).default(DEFAULT_RESULTS).describe(`How many passages (1 to ${MAX_RESULTS}, default ${DEFAULT_RESULTS})`),
  }),
  async run({ query, limit }, { knowledge, meterEmbeddings }, signal) {
    if (!knowledge) return { content: 'The knowledge base is not available right now (see the Knowledge Base view).', isError: true };
    const passages = await knowledge.search(query, limit, signal, meterEmbeddings);
    if (passages.length === 0) return { content: `No passages in the knowledge base match "${query}".` };
    const citations: Citation[] = passages.map((p) => ({ label: p.headingPath.join(' › '), path: p.path, line: p.line }));
    const blocks = passages.map((p, i) => {
      const correction = p.correction ? `\nCorrection by the user (v${p.correction.version}): ${p.correction.text}` : '';
      return `[${i + 1}] ${citations[i]!.label} (${p.relPath}, line ${p.line + 1})\n${p.snippet}${correction}`;
    });
    return { content: blocks.join('\n\n'), citations };
  },
});
