/**
 * The hub's HTTP API on Fastify. Every route under /api needs `Authorization: Bearer <token>`;
 * the token names the user and their team, counts against the token's per-minute limit, and the
 * route's work runs as that user (database.ts). Inputs are checked by schema on every route, and
 * every error is `{"error": {"code", "message"}}` with its HTTP status.
 */
import multipart from '@fastify/multipart';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import * as z from 'zod';
import { KB_MAX_QUERY_CHARS, KB_MAX_RESULTS } from '../../protocol/knowledge';
import type { BuiltinEmbedder } from '../knowledge/embed/builtin';
import { errorMessage, schemaProblem, type Logger } from '../log';
import { myContributions, teamStats } from './contributions';
import type { HubDatabase, Identity } from './database';
import {
  checkCategory,
  checkPath,
  checkTags,
  deleteDocument,
  HUB_VISIBILITY,
  readDocument,
  setVisibility,
  uploadDocument,
  type UploadInput,
} from './documents';
import { HubError, invalid, isDatabaseUnavailable } from './errors';
import { FeedbackSchema, giveFeedback } from './feedback';
import { hubMetrics, type HubMetrics } from './metrics';
import type { VectorMode } from './vectors';
import { HubSearcher } from './search';
import { hashToken, profile } from './users';

export interface HubLimits {
  /** Requests per token per minute, over every hub process on the database. */
  rateLimitPerMinute: number;
  /** Largest Markdown file an upload may carry, in bytes. */
  maxUploadBytes: number;
  /** Largest JSON body, in bytes. */
  maxBodyBytes: number;
  /** Longest a request may take to arrive whole, in milliseconds. */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: HubLimits = { rateLimitPerMinute: 600, maxUploadBytes: 5 * 1024 * 1024, maxBodyBytes: 256 * 1024, requestTimeoutMs: 30_000 };

/** Room for the multipart framing and the form fields around the file. */
const MULTIPART_OVERHEAD = 64 * 1024;
const MARKDOWN_FILE = /\.(md|markdown)$/i;
const UPLOAD_FIELDS = new Set(['path', 'visibility', 'category', 'tags']);

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity | null;
  }
}

export interface HubAppContext {
  db: HubDatabase;
  embedder: BuiltinEmbedder;
  vectors: VectorMode;
  limits: HubLimits;
  log: Logger;
}

const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict();
const VisibilityBody = z.object({ visibility: z.enum(HUB_VISIBILITY) }).strict();
const ProfileChange = z.object({ credit: z.boolean() }).strict();
const SearchQuery = z
  .object({
    query: z.string().trim().min(1, 'a search needs a query').max(KB_MAX_QUERY_CHARS),
    category: z.string().optional(),
    k: z.coerce.number().int().min(1).max(KB_MAX_RESULTS).default(10),
  })
  .strict();

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw invalid(`Invalid ${what}: ${schemaProblem(result.error)}`);
  return result.data;
}

function identity(request: FastifyRequest): Identity {
  if (!request.identity) throw new HubError(401, 'unauthorized', 'Send Authorization: Bearer <token>.');
  return request.identity;
}

export function buildHubApp(context: HubAppContext): FastifyInstance {
  const { db, limits, log } = context;
  const app = Fastify({
    logger: false,
    bodyLimit: limits.maxBodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
  });
  const metrics = hubMetrics(() => db.poolUse());
  app.decorateRequest('identity', null);
  // The API reads JSON and multipart forms only: a text body is refused as the wrong media type.
  app.removeContentTypeParser('text/plain');
  void app.register(multipart, {
    limits: { fileSize: limits.maxUploadBytes, files: 1, fields: 8, fieldSize: 16 * 1024, parts: 9 },
    throwFileSizeLimit: true,
  });
  app.addHook('onRequest', (request, _reply, done) => {
    if (!request.url.startsWith('/api/')) return done();
    authenticate(context, metrics, request).then(() => done(), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    metrics.requestSeconds.observe({ route }, reply.elapsedTime / 1000);
    done();
  });
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof HubError && error.code === 'hub_busy') metrics.busy.inc();
    return sendError(reply, error, log);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, new HubError(404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}.`), log));
  routes(app, context, metrics);
  return app;
}

function routes(app: FastifyInstance, context: HubAppContext, metrics: HubMetrics): void {
  const { db, embedder, vectors, limits } = context;
  const searcher = new HubSearcher(db, embedder, vectors);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const readiness = await db.readiness();
    if (!readiness.ready) throw new HubError(503, 'not_ready', `The hub is not ready: ${readiness.reason}.`);
    return reply.send({ status: 'ready', schemaVersion: readiness.version, vectors: vectors.kind });
  });
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  app.post('/api/kb/upload', async (request, reply) => {
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > limits.maxUploadBytes + MULTIPART_OVERHEAD) throw tooLarge(limits);
    const input = await readUpload(request, limits);
    const result = await uploadDocument(db, identity(request), embedder, input);
    return reply.code(result.replaced ? 200 : 201).send(result);
  });
  app.patch('/api/kb/documents/:id/visibility', async (request) => {
    const { id } = parse(IdParams, request.params, 'document id');
    const { visibility } = parse(VisibilityBody, request.body, 'body');
    return setVisibility(db, identity(request), id, visibility);
  });
  app.get('/api/kb/documents/:id', async (request) => {
    const { id } = parse(IdParams, request.params, 'document id');
    return readDocument(db, identity(request), id);
  });
  app.delete('/api/kb/documents/:id', async (request) => {
    const { id } = parse(IdParams, request.params, 'document id');
    return deleteDocument(db, identity(request), id);
  });
  app.get('/api/kb/shared/search', async (request) => {
    const params = parse(SearchQuery, request.query, 'search');
    const started = performance.now();
    const passages = await searcher.search(identity(request), { query: params.query, category: checkCategory(params.category), k: params.k });
    metrics.searchSeconds.observe((performance.now() - started) / 1000);
    return { query: params.query, passages };
  });
  app.post('/api/kb/feedback', async (request) => giveFeedback(db, identity(request), parse(FeedbackSchema, request.body, 'feedback')));
  app.get('/api/kb/my-contributions', async (request) => myContributions(db, identity(request)));
  app.get('/api/kb/shared/stats', async (request) => teamStats(db, identity(request)));
  app.get('/api/kb/me', async (request) => profile(db, identity(request)));
  app.patch('/api/kb/me', async (request) => profile(db, identity(request), parse(ProfileChange, request.body, 'profile change')));
}

async function authenticate(context: HubAppContext, metrics: HubMetrics, request: FastifyRequest): Promise<void> {
  const header = request.headers.authorization;
  if (!header) throw new HubError(401, 'unauthorized', 'Send Authorization: Bearer <token>.', { 'WWW-Authenticate': 'Bearer' });
  const token = /^Bearer\s+(\S{1,200})$/i.exec(header)?.[1];
  if (!token) throw new HubError(401, 'unauthorized', 'The Authorization header is not "Bearer <token>".', { 'WWW-Authenticate': 'Bearer' });
  const found = await context.db.authenticate(hashToken(token));
  if (!found) throw new HubError(401, 'invalid_token', 'The token is unknown or revoked.', { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  const limit = context.limits.rateLimitPerMinute;
  if (found.hits > limit) {
    metrics.rateLimited.inc();
    const seconds = Math.max(1, Math.ceil(found.retryAfterMs / 1000));
    throw new HubError(429, 'rate_limited', `This token made more than ${limit} requests this minute; try again in ${seconds} s.`, {
      'Retry-After': String(seconds),
    });
  }
  const { hits: _hits, retryAfterMs: _retry, ...who } = found;
  request.identity = who;
}

function tooLarge(limits: HubLimits): HubError {
  return new HubError(413, 'upload_too_large', `An upload is one Markdown file of at most ${Math.floor(limits.maxUploadBytes / 1024)} KiB.`);
}

/** The form's one Markdown file and its fields, checked; nothing is stored until all of it is read. */
async function readUpload(request: FastifyRequest, limits: HubLimits): Promise<UploadInput> {
  if (!request.isMultipart()) throw new HubError(415, 'not_multipart', 'An upload is multipart/form-data with one Markdown file.');
  const fields = new Map<string, string[]>();
  let file: { name: string; content: Buffer } | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      file = {
        name: part.filename,
        content: await part.toBuffer().catch((error: FastifyError) => Promise.reject(error.code === 'FST_REQ_FILE_TOO_LARGE' ? tooLarge(limits) : error)),
      };
      continue;
    }
    if (!UPLOAD_FIELDS.has(part.fieldname)) throw invalid(`An upload has no field "${part.fieldname}"; its fields are ${[...UPLOAD_FIELDS].join(', ')}.`);
    fields.set(part.fieldname, [...(fields.get(part.fieldname) ?? []), String(part.value)]);
  }
  if (!file) throw new HubError(400, 'file_missing', 'An upload needs one Markdown file in the form.');
  if (file.content.length > limits.maxUploadBytes) throw tooLarge(limits);
  const path = checkPath(fields.get('path')?.[0] ?? file.name);
  if (!MARKDOWN_FILE.test(path)) throw new HubError(415, 'not_markdown', `Only Markdown notes (.md, .markdown) can be uploaded; "${path}" is not one.`);
  const visibility = fields.get('visibility')?.[0] ?? 'private';
  if (!(HUB_VISIBILITY as readonly string[]).includes(visibility)) throw invalid(`visibility is private or shared; "${visibility}" is neither.`);
  return {
    path,
    content: markdownText(file.content, path),
    visibility: visibility as UploadInput['visibility'],
    category: checkCategory(fields.get('category')?.[0]),
    tags: checkTags(fields.get('tags') ?? []),
  };
}

/** The file as text, if it is text: UTF-8 without NUL bytes. A binary file is refused, not indexed as noise. */
function markdownText(content: Buffer, path: string): string {
  if (content.includes(0)) throw new HubError(415, 'binary_file', `"${path}" holds binary data (NUL bytes), not Markdown text.`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    throw new HubError(415, 'not_utf8', `"${path}" is not UTF-8 text; save the note as UTF-8 and upload it again.`);
  }
}

/** Fastify's and the multipart plugin's own errors, by code, as the hub's. */
const FRAMEWORK_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large'],
  FST_REQ_FILE_TOO_LARGE: [413, 'upload_too_large'],
  FST_FILES_LIMIT: [400, 'one_file_only'],
  FST_FIELDS_LIMIT: [400, 'too_many_fields'],
  FST_PARTS_LIMIT: [400, 'too_many_fields'],
  FST_PROTO_VIOLATION: [400, 'invalid_request'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'not_multipart'],
  FST_MP_PREMATURE_CLOSE: [400, 'incomplete_request'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_request'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_request'],
};

function sendError(reply: FastifyReply, error: unknown, log: Logger): FastifyReply {
  const { status, code, message, headers } = describeError(error, log);
  return reply.code(status).headers(headers).type('application/json; charset=utf-8').send({ error: { code, message } });
}

function describeError(error: unknown, log: Logger): { status: number; code: string; message: string; headers: Record<string, string> } {
  if (error instanceof HubError) return { status: error.status, code: error.code, message: error.message, headers: error.headers };
  if (isDatabaseUnavailable(error))
    return {
      status: 503,
      code: 'database_unavailable',
      message: 'The hub cannot reach its database right now; try again shortly.',
      headers: { 'Retry-After': '5' },
    };
  const framework = error as FastifyError;
  const known = framework.code ? FRAMEWORK_ERRORS[framework.code] : undefined;
  if (known) {
    return { status: known[0], code: known[1], message: framework.message, headers: {} };
  }
  if (framework.validation || (framework.statusCode && framework.statusCode >= 400 && framework.statusCode < 500))
    return { status: framework.statusCode ?? 400, code: 'invalid_request', message: framework.message, headers: {} };
  log.error('Hub request failed', { error: errorMessage(error) });
  return { status: 500, code: 'internal_error', message: 'The hub failed to answer this request; the reason is in its log.', headers: {} };
}
