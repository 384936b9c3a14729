/**
 * What the hub tests share: a fresh database on the PostgreSQL that scripts/pg-env.sh runs (a test
 * file that cannot reach it fails, it does not skip), hubs on free ports, users with tokens, and a
 * small client speaking the hub's HTTP API.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createLogger, type Logger } from '../../../server/log';
import type { MyDocument, MyFeedback, TeamStats } from '../../../server/hub/contributions';
import { HubDatabase } from '../../../server/hub/database';
import type { HubDocument, UploadResult } from '../../../server/hub/documents';
import type { HubPassage } from '../../../server/hub/search';
import { startHub, type HubServerOptions, type RunningHub } from '../../../server/hub/server';
import { addUser, type NewUser } from '../../../server/hub/users';

/** The cluster scripts/pg-env.sh starts; PARLEY_TEST_PG_URL points the tests at another. */
export const PG_URL = process.env.PARLEY_TEST_PG_URL ?? 'postgres://parley:parley@127.0.0.1:55432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** A new, empty database for one test file, dropped afterwards. */
export async function freshDatabase(label: string, serverUrl = PG_URL): Promise<TestDatabase> {
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `The hub tests need PostgreSQL at ${serverUrl.replace(/:[^:@/]*@/, ':…@')}; run "bash scripts/pg-env.sh" first (${(error as Error).message}).`,
    );
  }
  const name = `parley_hub_${label}_${randomBytes(4).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(serverUrl, name),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A logger that keeps its lines, for tests that read what the hub said. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    createLogger((level, line) => lines.push(`[${level}] ${line}`)),
    { lines },
  );
}

export async function testHub(url: string, options: Partial<HubServerOptions> = {}): Promise<RunningHub & { log: ReturnType<typeof memoryLogger> }> {
  const log = memoryLogger();
  const hub = await startHub({ databaseUrl: url, log, port: 0, ...options });
  return Object.assign(hub, { log });
}

export async function addTestUser(url: string, name: string, team: string, options: { credit?: boolean } = {}): Promise<NewUser> {
  const db = HubDatabase.connect({ url, log: memoryLogger() });
  try {
    return await addUser(db, name, team, options);
  } finally {
    await db.close();
  }
}

/** Every error answer's body; the success types below are intersected with it, since a test reads either. */
export interface ErrorBody {
  error?: { code: string; message: string };
}

export interface HubResponse<T = ErrorBody & Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface UploadOptions {
  visibility?: 'private' | 'shared' | string;
  category?: string;
  tags?: string;
  path?: string;
  type?: string;
}

/** The hub's API as a user's client calls it. */
export class HubClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string | undefined,
  ) {}

  async request<T = ErrorBody & Record<string, unknown>>(
    method: string,
    path: string,
    init: { json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
  ): Promise<HubResponse<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const response = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, headers: response.headers, body: (type.includes('json') && text ? JSON.parse(text) : text) as T };
  }

  upload(fileName: string, content: string | Uint8Array<ArrayBuffer>, options: UploadOptions = {}): Promise<HubResponse<UploadResult & ErrorBody>> {
    const form = new FormData();
    if (options.visibility !== undefined) form.append('visibility', options.visibility);
    if (options.category !== undefined) form.append('category', options.category);
    if (options.tags !== undefined) form.append('tags', options.tags);
    if (options.path !== undefined) form.append('path', options.path);
    form.append('file', new Blob([content], { type: options.type ?? 'text/markdown' }), fileName);
    return this.request('POST', '/api/kb/upload', { body: form });
  }

  search(query: string, params: Record<string, string> = {}): Promise<HubResponse<{ passages: HubPassage[] } & ErrorBody>> {
    return this.request('GET', `/api/kb/shared/search?${new URLSearchParams({ query, ...params })}`);
  }

  feedback(body: Record<string, unknown>): Promise<HubResponse> {
    return this.request('POST', '/api/kb/feedback', { json: body });
  }

  setVisibility(documentId: number, visibility: string): Promise<HubResponse> {
    return this.request('PATCH', `/api/kb/documents/${documentId}/visibility`, { json: { visibility } });
  }

  document(documentId: number): Promise<HubResponse<HubDocument & ErrorBody>> {
    return this.request('GET', `/api/kb/documents/${documentId}`);
  }

  remove(documentId: number): Promise<HubResponse> {
    return this.request('DELETE', `/api/kb/documents/${documentId}`);
  }

  contributions(): Promise<HubResponse<{ documents: MyDocument[]; feedback: MyFeedback[] } & ErrorBody>> {
    return this.request('GET', '/api/kb/my-contributions');
  }

  stats(): Promise<HubResponse<TeamStats & ErrorBody>> {
    return this.request('GET', '/api/kb/shared/stats');
  }
}

/** The titles of the passages a search found, in order. */
export function titles(response: HubResponse<{ passages: HubPassage[] }>): string[] {
  return response.body.passages.map((passage) => passage.title);
}
