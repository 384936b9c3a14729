import * as z from 'zod';
import { defineTool, pathField } from '../types';

/** The review's and the coder's view of how a file fits in: what it defines, who uses it, what it uses, ranked. */
export const repositoryMap = defineTool({
  name: 'repository_map',
  description:
    'The repository map around a workspace file: the files and definitions most related to it (what it defines, what uses them, what it uses), ranked by how central they are. Use it to see how a module fits in before judging or changing it.',
  input: z.object({ path: pathField('File path, relative to the workspace folder') }),
  sessionTypes: ['repo-review', 'coding', 'debugging'],
  async run({ path }, { folders, repoMap }) {
    const file = folders.resolve(path);
    if (!repoMap) return { content: 'The repository map is not available in this session.', isError: true };
    const map = await repoMap(file);
    return map ? { content: map } : { content: `The repository map has nothing around ${folders.display(file)} yet (the index may still be building).` };
  },
});
