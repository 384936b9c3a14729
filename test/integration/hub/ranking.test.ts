/**
 * The hub ranks like the local knowledge base, on notes nobody here wrote: the obsidian-hub
 * vault's "04 - Guides, Workflows, & Courses" folder (79 notes) uploaded to a hub on the real
 * PostgreSQL (scripts/pg-env.sh) and added to a local knowledge base, and the known-item questions
 * of bench/kb-questions.tsv whose notes are in it (written for the kb bench, not for this test).
 * The hub must find as many of their notes in its top 10, as high, give or take one question.
 * And the whole-note leg: a note whose words are spread over its sections outranks a passage
 * that holds one of them many times.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { knownItemQuestions, rankOf, scored } from '../../../bench/questions';
import { BuiltinEmbedder } from '../../../server/knowledge/embed/builtin';
import { KnowledgeBase } from '../../../server/knowledge/knowledgeBase';
import { openDatabase } from '../../../server/storage/database';
import { KNOWLEDGE_MIGRATIONS } from '../../../server/storage/migrations';
import { REPO, tempDir } from '../../support/paths';
import { addTestUser, freshDatabase, HubClient, memoryLogger, testHub, titles, type TestDatabase } from './support';

const VAULT = join(REPO, '..', 'shared', 'corpora', 'obsidian-hub');
const FOLDER = '04 - Guides, Workflows, & Courses';

function notesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => /\.md$/i.test(path) && statSync(join(dir, path)).isFile())
    .sort();
}

describe('hub ranking against the local knowledge base', { timeout: 120_000 }, () => {
  const dir = tempDir('hub-ranking');
  let database: TestDatabase;
  let hub: Awaited<ReturnType<typeof testHub>>;
  let alice: HubClient;
  let kb: KnowledgeBase;

  before(async () => {
    database = await freshDatabase('ranking');
    hub = await testHub(database.url);
    alice = new HubClient(hub.url, (await addTestUser(database.url, 'alice', 'docs')).token);
    const folder = join(VAULT, FOLDER);
    for (const note of notesUnder(folder)) {
      const path = `${FOLDER}/${note}`;
      const uploaded = await alice.upload(note.split('/').at(-1)!, readFileSync(join(folder, note)), { path, visibility: 'shared' });
      assert.ok(uploaded.status === 201, `${path}: ${JSON.stringify(uploaded.body)}`);
    }
    const file = join(dir.path, 'kb.db');
    const { db } = openDatabase({ file, migrations: KNOWLEDGE_MIGRATIONS, nativeDir: '/nonexistent', log: memoryLogger(), label: 'knowledge base' });
    kb = new KnowledgeBase({ db, file, embedder: new BuiltinEmbedder(), log: memoryLogger() });
    await kb.add(folder);
  });

  after(async () => {
    kb?.dispose();
    await hub?.close();
    await database?.drop();
    dir.cleanup();
  });

  it('finds the notes of known-item questions as the local knowledge base does', async () => {
    const questions = knownItemQuestions().filter((q) => q.relPath.startsWith(`${FOLDER}/`));
    assert.ok(questions.length >= 25, `${questions.length} questions`);
    const hubRanks: (number | undefined)[] = [];
    const localRanks: (number | undefined)[] = [];
    for (const q of questions) {
      const found = await alice.search(q.query);
      assert.equal(found.status, 200, JSON.stringify(found.body));
      hubRanks.push(rankOf(found.body.passages, (passage) => passage.path === q.relPath));
      const local = await kb.search({ query: q.query, k: 10 });
      localRanks.push(rankOf(local, (passage) => `${FOLDER}/${relative(join(VAULT, FOLDER), passage.path)}` === q.relPath));
    }
    const [onHub, onLocal] = [scored(hubRanks), scored(localRanks)];
    const report = `hub Recall@10 ${onHub.recall.toFixed(3)} MRR@10 ${onHub.mrr.toFixed(3)}; local ${onLocal.recall.toFixed(3)} / ${onLocal.mrr.toFixed(3)}`;
    assert.ok(onLocal.recall >= 0.8, `the local knowledge base finds these notes: ${report}`);
    assert.ok(onHub.recall >= onLocal.recall - 1 / questions.length, report);
    assert.ok(onHub.mrr >= onLocal.mrr - 0.05, report);
  });

  it("ranks a note holding all of a question's words across its sections above a passage repeating one of them", async () => {
    const spread =
      '# Release train\n\n## Freeze\n\nThe branch freezes on Tuesday.\n\n## Canary\n\nThe canary runs overnight.\n\n## Rollout\n\nThe rollout finishes by Friday.\n';
    const repeated = '# Canary notes\n\nCanary canary canary: the canary bird, the canary yellow, the canary islands, and one more canary.\n';
    for (const [name, text] of [
      ['Release train.md', spread],
      ['Canary notes.md', repeated],
    ]) {
      assert.equal((await alice.upload(name!, text!, { visibility: 'shared' })).status, 201);
    }
    const found = titles(await alice.search('branch freeze canary rollout'));
    assert.equal(found[0], 'Release train', found.join(', '));
  });
});
