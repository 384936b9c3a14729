/**
 * The sidebar's knowledge-base requests as the server accepts them. They come from a webview, so
 * every field is checked before anything acts on it; a request that fails gets InvalidParams with
 * what was wrong.
 */
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { z } from 'zod';
import { KB_MAX_CORRECTION_CHARS, KB_MAX_QUERY_CHARS, KB_MAX_RESULTS, KB_MAX_TAG_CHARS, VISIBILITY_LEVELS, type KbSearchParams, type Visibility } from '../../protocol/knowledge';
import type { KbAddTagRequest, KbCorrectRequest, KbDocumentVisibilityRequest, KbVoteRequest } from '../../protocol/lsp';

type ParamsOf<T> = T extends { type: { _: [infer P, ...unknown[]] | undefined } } ? P : never;

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const visibility = z.enum(VISIBILITY_LEVELS as readonly [Visibility, ...Visibility[]]);

const searchParams = z.object({
  query: z.string().max(KB_MAX_QUERY_CHARS),
  k: z.number().int().min(1).max(KB_MAX_RESULTS).default(10),
  filters: z.object({ visibility: z.array(visibility).optional(), tag: z.string().optional(), folder: z.string().optional() }).optional(),
  prefix: z.boolean().optional(),
}) satisfies z.ZodType<KbSearchParams>;

const voteParams = z.object({ chunkId: id, vote: z.union([z.literal(1), z.literal(-1)]) }) satisfies z.ZodType<ParamsOf<typeof KbVoteRequest>>;
const correctParams = z.object({ chunkId: id, text: z.string().max(KB_MAX_CORRECTION_CHARS) }) satisfies z.ZodType<ParamsOf<typeof KbCorrectRequest>>;
const tagParams = z.object({ documentId: id, tag: z.string().max(KB_MAX_TAG_CHARS) }) satisfies z.ZodType<ParamsOf<typeof KbAddTagRequest>>;
const visibilityParams = z.object({ documentId: id, visibility }) satisfies z.ZodType<ParamsOf<typeof KbDocumentVisibilityRequest>>;

export const SidebarParams = { search: searchParams, vote: voteParams, correct: correctParams, tag: tagParams, visibility: visibilityParams };

/** The params as `schema` reads them, or an InvalidParams error naming the first wrong field. */
export function checked<T>(schema: z.ZodType<T>, params: unknown, method: string): T {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ResponseError(ErrorCodes.InvalidParams, `${method}: ${issue?.path.join('.') || 'params'} ${issue?.message ?? 'is not valid'}`);
}
