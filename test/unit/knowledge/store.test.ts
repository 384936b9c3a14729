/**
 * The knowledge base on a real SQLite file: incremental sync after edits, renames and deletes;
 * visibility filters in both search legs; votes, corrections and tags; embedder changes; and a
 * failing embeddings provider (the OpenAI stand-in) that loses nothing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from 'better-sqlite3';
import { BuiltinEmbedder } from '../../../server/knowledge/embed/builtin';
import { OpenAIEmbedder } from '../../../server/knowledge/embed/openai';
import type { Embedder } from '../../../server/knowledge/embed/embedder';
import { KnowledgeBase } from '../../../server/knowledge/knowledgeBase';
import { qualityScore } from '../../../server/knowledge/store';
import { stderrLogger } from '../../../server/log';
import { openDatabase } from '../../../server/storage/database';
import { KNOWLEDGE_MIGRATIONS } from '../../../server/storage/migrations';
import { tempDir } from '../../support/paths';
import { startOpenAIStandIn, type OpenAIStandIn } from '../../support/standins';

const log = stderrLogger('error');

const NOTES: Record<string, string> = {
  'Deploy.md':
    '---\ntags: [ops, infra/docker]\naliases: [Shipping]\n---\n# Deploy\n\nIntro to releases.\n\n## With Docker\n\nBuild the image with docker build and push it to the registry.\n\n## Rollback\n\nRedeploy the previous image tag.\n',
  'Recipes/Bread.md': '# Bread\n\nFlour, water, salt and yeast. Knead for ten minutes, prove overnight.\n',
  'Recipes/Soup.md': '# Soup\n\nOnions, stock and a slow simmer. #cooking\n',
  'todo.txt': 'Remember to renew the TLS certificates before they expire.\n\nCall the plumber.\n',
  'binary.md': 'abc\u0000def',
};

function writeNotes(root: string): void {
  for (const [path, text] of Object.entries(NOTES)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

function open(file: string, embedder: Embedder = new BuiltinEmbedder()): { db: Database; kb: KnowledgeBase } {
  const { db } = openDatabase({ file, migrations: KNOWLEDGE_MIGRATIONS, nativeDir: '/nonexistent', log, label: 'knowledge base' });
  return { db, kb: new KnowledgeBase({ db, file, embedder, log, notesDir: join(file, '..', 'notes') }) };
}

/** Every passage and every note has exactly one full-text row, and a vector exactly when it says it has one. */
function assertConsistent(db: Database): void {
  const count = (sql: string) => db.prepare(sql).pluck().get() as number;
  assert.equal(count('SELECT count(*) FROM chunks_fts'), count('SELECT count(*) FROM chunks'));
  assert.equal(count('SELECT count(*) FROM documents_fts'), count('SELECT count(*) FROM documents'));
  assert.equal(count('SELECT count(*) FROM chunks_vec'), count('SELECT count(*) FROM chunks WHERE embedded_with IS NOT NULL'));
  assert.equal(count('SELECT count(*) FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)'), 0);
}

/** Moves a file's modification time ahead, so a sync sees the edit even within the same millisecond. */
function later(path: string): void {
  const future = new Date(Date.now() + 5_000);
  utimesSync(path, future, future);
}

describe('knowledge base store', () => {
  const dir = tempDir('kb-store');
  const vault = join(dir.path, 'vault');
  let db: Database;
  let kb: KnowledgeBase;

  before(() => {
    writeNotes(vault);
    ({ db, kb } = open(join(dir.path, 'knowledge.db')));
  });
  after(() => {
    kb.dispose();
    db.close();
    dir.cleanup();
  });

  it('indexes a folder, skipping a binary file with its reason', async () => {
    const result = await kb.add(vault);
    assert.equal(result.indexed, 4);
    assert.deepEqual(
      result.skipped.map((s) => s.path.endsWith('binary.md') && /binary/.test(s.reason)),
      [true],
    );
    const stats = kb.stats();
    assert.equal(stats.documents, 4);
    assert.equal(stats.embedded, stats.chunks);
    assertConsistent(db);
  });

  it('finds a passage by a paraphrase, at its heading, with highlights and tags', async () => {
    const [top] = await kb.search({ query: 'how do I build the docker image', k: 5 });
    assert.equal(top!.relPath, 'Deploy.md');
    assert.equal(top!.heading, 'With Docker');
    assert.equal(top!.line, 8);
    assert.ok(top!.tags.includes('infra/docker'));
    const marked = top!.highlights.map(([start, end]) => top!.snippet.slice(start, end).toLowerCase());
    assert.ok(marked.includes('docker'));
  });

  it('re-indexes only the edited note and keeps its unchanged passages', async () => {
    const rollbackId = db.prepare("SELECT id FROM chunks WHERE heading = 'Rollback'").pluck().get() as number;
    writeFileSync(join(vault, 'Deploy.md'), NOTES['Deploy.md']!.replace('push it to the registry', 'push it to the company registry'));
    later(join(vault, 'Deploy.md'));
    const result = await kb.add(vault);
    assert.equal(result.indexed, 1);
    assert.equal(result.unchanged, 3);
    assert.equal(result.embedded, 1, 'only the changed passage is embedded again');
    assert.equal(db.prepare("SELECT id FROM chunks WHERE heading = 'Rollback'").pluck().get(), rollbackId);
    const [top] = await kb.search({ query: 'company registry', k: 1 });
    assert.equal(top!.heading, 'With Docker');
    assertConsistent(db);
  });

  it('follows a rename and a delete, and the renamed note keeps its votes', async () => {
    const [bread] = await kb.search({ query: 'knead yeast', k: 1 });
    kb.vote(bread!.chunkId, 1);
    renameSync(join(vault, 'Recipes/Bread.md'), join(vault, 'Recipes/Sourdough.md'));
    rmSync(join(vault, 'Recipes/Soup.md'));
    const result = await kb.add(vault);
    assert.equal(result.removed, 2);
    assert.equal(result.indexed, 1);
    const [moved] = await kb.search({ query: 'knead yeast', k: 1 });
    assert.equal(moved!.relPath, 'Recipes/Sourdough.md');
    assert.deepEqual(moved!.votes, { up: 1, down: 0 });
    assert.equal((await kb.search({ query: 'onions simmer', k: 5 })).filter((p) => p.relPath.includes('Soup')).length, 0);
    assertConsistent(db);
  });

  it('never returns a private document to a search scoped to shared content, in either leg', async () => {
    const deploy = (await kb.search({ query: 'docker', k: 1 }))[0]!;
    kb.setVisibility(deploy.documentId, 'shared');
    for (const mode of ['bm25', 'vector', 'hybrid'] as const) {
      const shared = await kb.search({ query: 'docker image registry tls certificates bread', k: 50, mode, filters: { visibility: ['shared', 'public'] } });
      assert.ok(shared.length > 0, `${mode} finds the shared note`);
      assert.ok(
        shared.every((p) => p.visibility !== 'private'),
        `${mode} returns no private passage`,
      );
    }
    kb.setVisibility(deploy.documentId, 'private');
    assert.equal((await kb.search({ query: 'docker', k: 10, filters: { visibility: ['shared', 'public'] } })).length, 0);
    const vectorRows = db.prepare("SELECT count(*) FROM chunks_vec WHERE visibility = 'shared'").pluck().get();
    assert.equal(vectorRows, 0, 'the vector index follows the document visibility');
  });

  it('turns votes into a shrunk quality score that moves a passage up', async () => {
    assert.equal(qualityScore(0, 0), 0.5);
    assert.equal(qualityScore(1, 0), 0.6);
    assert.equal(qualityScore(0, 1), 0.4);
    assert.ok(Math.abs(qualityScore(10, 0) - 12 / 14) < 1e-12);
    const before = await kb.search({ query: 'image', k: 10 });
    const last = before.filter((p) => p.score > 0).at(-1)!;
    for (let i = 0; i < 20; i++) kb.vote(last.chunkId, 1);
    const after = await kb.search({ query: 'image', k: 10 });
    const raised = after.find((p) => p.chunkId === last.chunkId)!;
    assert.ok(
      raised.score > last.score,
      `upvotes raise the passage score (${JSON.stringify([last.score, raised.score, last.quality, raised.quality, before.length])})`,
    );
    assert.ok(Math.abs(raised.quality - 22 / 24) < 1e-9);
    const stored = db.prepare('SELECT quality FROM chunks_vec WHERE chunk_id = ?').pluck().get(BigInt(last.chunkId)) as number;
    assert.ok(Math.abs(stored - 22 / 24) < 1e-6, 'the vector index holds the new quality');
  });

  it('keeps corrections as versions with the original, and searches them with the passage', async () => {
    const [tls] = await kb.search({ query: 'TLS certificates', k: 1 });
    const first = kb.correct(tls!.chunkId, 'Certificates now renew automatically with certbot.');
    const second = kb.correct(tls!.chunkId, 'Certificates renew automatically with certbot every 60 days.');
    assert.deepEqual([first.version, second.version], [1, 2]);
    const original = db.prepare('SELECT original FROM corrections WHERE version = 1').pluck().get() as string;
    assert.match(original, /Remember to renew the TLS certificates/);
    const [found] = await kb.search({ query: 'certbot', k: 1 });
    assert.equal(found!.chunkId, tls!.chunkId);
    assert.equal(found!.correction?.version, 2);
    assert.throws(() => kb.correct(tls!.chunkId, '   '), /needs some text/);
  });

  it('adds tags from the sidebar and filters by tag, nested tags included', async () => {
    const [tls] = await kb.search({ query: 'TLS', k: 1 });
    assert.deepEqual(kb.addTag(tls!.documentId, '#security'), ['security']);
    assert.throws(() => kb.addTag(tls!.documentId, '#1984'), /not a tag/);
    assert.deepEqual(
      (await kb.search({ query: 'renew', k: 5, filters: { tag: 'security' } })).map((p) => p.relPath),
      ['todo.txt'],
    );
    assert.ok((await kb.search({ query: 'image', k: 5, filters: { tag: 'infra' } })).every((p) => p.relPath === 'Deploy.md'));
    const inRecipes = await kb.search({ query: 'knead yeast docker image', k: 10, filters: { folder: join(vault, 'Recipes') } });
    assert.ok(inRecipes.length > 0 && inRecipes.every((p) => p.relPath.startsWith('Recipes/')), 'the folder filter keeps only notes under it');
    const contributions = kb.contributions();
    assert.deepEqual([...new Set(contributions.map((c) => c.kind))].sort(), ['correction', 'tag', 'vote']);
  });

  it('keeps a selection as a note file and indexes it', async () => {
    const { path, result } = await kb.addNote('Release checklist', 'Bump the version, tag, and publish the changelog.');
    assert.equal(result.indexed, 1);
    assert.ok(path.endsWith('Release checklist.md'));
    const [found] = await kb.search({ query: 'changelog', k: 1 });
    assert.equal(found!.path, path);
  });

  it('re-embeds everything when the embedder changes', async () => {
    kb.dispose();
    const file = join(dir.path, 'knowledge.db');
    const other = new KnowledgeBase({ db, file, embedder: new BuiltinEmbedder(128), log });
    assert.equal(other.stats().embedded, 0, 'vectors of the old embedder are dropped');
    await other.syncAll();
    const stats = other.stats();
    assert.match(stats.embedder, /^builtin:.*:128$/);
    assert.equal(stats.embedded, stats.chunks);
    assertConsistent(db);
  });
});

describe('knowledge base with an embeddings provider', () => {
  const dir = tempDir('kb-provider');
  const vault = join(dir.path, 'vault');
  let standIn: OpenAIStandIn;

  before(async () => {
    writeNotes(vault);
    standIn = await startOpenAIStandIn({ embeddingDimensions: 64 });
  });
  after(async () => {
    await standIn.close();
    dir.cleanup();
  });

  it('embeds through the OpenAI SDK in batches and searches with the provider vectors', async () => {
    const embedder = new OpenAIEmbedder({ provider: 'openai-compatible', baseUrl: standIn.baseURL, model: 'nomic-embed-text' }, log);
    await embedder.probe();
    assert.equal(embedder.dimensions, 64);
    const { db, kb } = open(join(dir.path, 'provider.db'), embedder);
    try {
      const result = await kb.add(vault);
      assert.equal(result.embeddingError, undefined);
      assert.equal(kb.stats().embedded, kb.stats().chunks);
      assert.equal(kb.stats().embedder, 'openai-compatible:nomic-embed-text:64');
      const [top] = await kb.search({ query: 'docker build', k: 1, mode: 'vector' });
      assert.equal(top!.relPath, 'Deploy.md');
    } finally {
      kb.dispose();
      db.close();
    }
  });

  it('keeps notes searchable by their words when the provider returns garbage, and embeds them later', async () => {
    const broken = await startOpenAIStandIn({ embeddingDimensions: 64 });
    broken.failNext({ kind: 'garbage' }, { path: '/v1/embeddings', times: 100 });
    const file = join(dir.path, 'garbage.db');
    const config = { provider: 'openai-compatible', model: 'nomic-embed-text', dimensions: 64 } as const;
    const { db, kb } = open(file, new OpenAIEmbedder({ ...config, baseUrl: broken.baseURL }, log));
    try {
      const result = await kb.add(vault);
      assert.equal(result.indexed, 4);
      assert.match(result.embeddingError ?? '', /OpenAI-compatible server/);
      assert.equal(kb.stats().embedded, 0);
      const [found] = await kb.search({ query: 'plumber', k: 1 });
      assert.equal(found!.relPath, 'todo.txt');
      kb.dispose();
      // The provider is back (same model, same vector space): the next sync embeds what was missing.
      const healed = new KnowledgeBase({ db, file, embedder: new OpenAIEmbedder({ ...config, baseUrl: standIn.baseURL }, log), log });
      await healed.syncAll();
      assert.equal(healed.stats().embedded, healed.stats().chunks);
      assertConsistent(db);
    } finally {
      await broken.close();
      db.close();
    }
  });
});
