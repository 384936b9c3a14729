/**
 * Uploads on the real PostgreSQL (scripts/pg-env.sh): what is stored, what is refused (binary,
 * not UTF-8, not Markdown, oversized up to 50 MB, malformed forms and bodies) without losing the
 * version already there, re-uploads that replace, and concurrent uploads of one path.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { addTestUser, freshDatabase, HubClient, testHub, titles, type ErrorBody, type HubResponse, type TestDatabase } from './support';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);

describe('hub uploads', () => {
  let database: TestDatabase;
  let hub: Awaited<ReturnType<typeof testHub>>;
  let alice: HubClient;
  let bob: HubClient;

  before(async () => {
    database = await freshDatabase('uploads');
    hub = await testHub(database.url, { limits: { maxUploadBytes: 256 * 1024, maxBodyBytes: 32 * 1024 } });
    alice = new HubClient(hub.url, (await addTestUser(database.url, 'alice', 'red')).token);
    bob = new HubClient(hub.url, (await addTestUser(database.url, 'bob', 'red')).token);
  });

  after(async () => {
    await hub?.close();
    await database?.drop();
  });

  async function chunkTexts(path: string): Promise<string[]> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ text: string }>(
        'SELECT c.text FROM hub_chunks c JOIN hub_documents d ON d.id = c.document_id WHERE d.path = $1 ORDER BY c.ord',
        [path],
      );
      return rows.map((row) => row.text);
    } finally {
      await client.end();
    }
  }

  it('stores a note as the local knowledge base chunks it, with category, tags and frontmatter tags', async () => {
    const note =
      '---\ntags: [runbook]\n---\n# Paging\n\nThe on-call pager rotates weekly.\n\n## Escalation\n\nEscalate to the platform lead after 30 minutes. #urgent';
    const response = await alice.upload('paging.md', note, { path: 'ops/paging.md', visibility: 'shared', category: 'ops', tags: 'oncall, #pager' });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    assert.deepEqual({ ...response.body, documentId: 0 }, { documentId: 0, chunks: 2, replaced: false, warnings: [] });
    const found = await bob.search('escalate platform lead');
    const passage = found.body.passages[0]!;
    assert.equal(passage.path, 'ops/paging.md');
    assert.deepEqual(passage.headingPath, ['paging', 'Escalation'], 'a first heading that repeats the title is not repeated');
    assert.equal(passage.heading, 'Escalation');
    assert.equal(passage.category, 'ops');
    assert.deepEqual(new Set(passage.tags), new Set(['runbook', 'urgent', 'oncall', 'pager']));
    assert.deepEqual(titles(await bob.search('pager', { category: 'ops' })).length > 0, true);
    assert.deepEqual(titles(await bob.search('pager', { category: 'other' })), []);
    assert.ok(titles(await bob.search('oncall')).includes('paging'), 'a tag given with the upload is searchable');
  });

  it('refuses binary, non-UTF-8 and non-Markdown files, and keeps the version already stored', async () => {
    assert.equal((await alice.upload('keep.md', '# Keep\n\nThe original words stay.', { visibility: 'shared' })).status, 201);
    const cases: [string, string | Uint8Array<ArrayBuffer>, number, string][] = [
      ['keep.md', PNG, 415, 'binary_file'],
      ['keep.md', Uint8Array.from([0x23, 0x20, 0xc3, 0x28, 0x0a]), 415, 'not_utf8'],
      ['keep.png', '# looks like text', 415, 'not_markdown'],
      ['keep', '# no extension', 415, 'not_markdown'],
    ];
    for (const [name, content, status, code] of cases) {
      const response = await alice.upload(name, content, { visibility: 'shared' });
      assert.equal(response.status, status, `${name}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error?.code, code);
      assert.ok(response.body.error!.message.length > 10);
    }
    assert.deepEqual(await chunkTexts('keep.md'), ['The original words stay.']);
  });

  it('stores broken Markdown as the local knowledge base would, with a warning for broken frontmatter', async () => {
    const broken =
      '---\ntags: [unclosed\ntitle: : :\n---\n# Half\n\n```js\nconst never = "closed";\n\n## Not a heading inside the fence\n\n<div><span>unbalanced';
    const response = await alice.upload('broken.md', broken, { visibility: 'shared' });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    assert.equal(response.body.warnings.length, 1);
    assert.match(response.body.warnings[0]!, /^frontmatter: /);
    assert.ok(titles(await bob.search('never closed')).includes('broken'));
    const empty = await alice.upload('empty.md', '', { visibility: 'shared' });
    assert.equal(empty.status, 201);
    assert.equal(empty.body.chunks, 1, 'an empty note is its title');
  });

  it('refuses oversized uploads cleanly, up to 50 MB, and keeps serving', async () => {
    const big = new Uint8Array(50 * 1024 * 1024).fill(0x61);
    const fifty = await alice.upload('keep.md', big, { visibility: 'shared' });
    assert.equal(fifty.status, 413);
    assert.equal(fifty.body.error?.code, 'upload_too_large');
    const justOver = await alice.upload('keep.md', new Uint8Array(256 * 1024 + 1).fill(0x61), { visibility: 'shared' });
    assert.equal(justOver.status, 413);
    assert.equal(justOver.body.error?.code, 'upload_too_large');
    // Streamed without a length: the file limit stops it while it arrives.
    const form = new TextEncoder().encode('--b\r\nContent-Disposition: form-data; name="file"; filename="keep.md"\r\nContent-Type: text/markdown\r\n\r\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(form);
        for (let i = 0; i < 8; i++) controller.enqueue(new Uint8Array(128 * 1024).fill(0x62));
        controller.enqueue(new TextEncoder().encode('\r\n--b--\r\n'));
        controller.close();
      },
    });
    const streamed = await fetch(`${hub.url}/api/kb/upload`, {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'multipart/form-data; boundary=b' },
    } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.equal(((await streamed.json()) as { error: { code: string } }).error.code, 'upload_too_large');
    assert.deepEqual(await chunkTexts('keep.md'), ['The original words stay.']);
    assert.equal((await alice.search('original words')).status, 200);
  });

  it('refuses malformed forms and bodies with a clear error', async () => {
    const twoFiles = new FormData();
    twoFiles.append('file', new Blob(['# a']), 'a.md');
    twoFiles.append('file', new Blob(['# b']), 'b.md');
    const unknownField = new FormData();
    unknownField.append('owner', 'bob');
    unknownField.append('file', new Blob(['# a']), 'a.md');
    const noFile = new FormData();
    noFile.append('visibility', 'shared');
    const cases: [string, HubResponse<ErrorBody>, number, string][] = [
      ['two files', await alice.request('POST', '/api/kb/upload', { body: twoFiles }), 400, 'one_file_only'],
      ['unknown field', await alice.request('POST', '/api/kb/upload', { body: unknownField }), 400, 'invalid_request'],
      ['no file', await alice.request('POST', '/api/kb/upload', { body: noFile }), 400, 'file_missing'],
      ['JSON upload', await alice.request('POST', '/api/kb/upload', { json: { file: '# a' } }), 415, 'not_multipart'],
      ['bad visibility', await alice.upload('a.md', '# a', { visibility: 'public' }), 400, 'invalid_request'],
      ['path escape', await alice.upload('a.md', '# a', { path: '../../etc/a.md' }), 400, 'invalid_request'],
      ['absolute path', await alice.upload('a.md', '# a', { path: '/etc/a.md' }), 400, 'invalid_request'],
      ['bad tag', await alice.upload('a.md', '# a', { tags: '1984' }), 400, 'invalid_request'],
      [
        'broken JSON',
        await alice.request('POST', '/api/kb/feedback', { body: '{"chunkId": ', headers: { 'content-type': 'application/json' } }),
        400,
        'invalid_request',
      ],
      ['JSON over the cap', await alice.feedback({ chunkId: 1, feedbackType: 'correction', correctionText: 'x'.repeat(40 * 1024) }), 413, 'body_too_large'],
      [
        'text body',
        await alice.request('PATCH', '/api/kb/documents/1/visibility', { body: 'shared', headers: { 'content-type': 'text/plain' } }),
        415,
        'unsupported_media_type',
      ],
      ['bad id', await alice.setVisibility(Number.NaN, 'shared'), 400, 'invalid_request'],
      ['bad search', await alice.request('GET', '/api/kb/shared/search?query=x&k=1000'), 400, 'invalid_request'],
      ['empty search', await alice.request('GET', '/api/kb/shared/search'), 400, 'invalid_request'],
      ['unknown route', await alice.request('GET', '/api/kb/nothing'), 404, 'not_found'],
    ];
    for (const [what, response, status, code] of cases) {
      assert.equal(response.status, status, `${what}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error?.code, code, what);
      assert.equal(typeof response.body.error?.message, 'string', what);
    }
  });

  it('a re-upload of the same path replaces the note and keeps the feedback of unchanged passages', async () => {
    const first = await alice.upload('guide.md', '# Guide\n\nKeep this paragraph about caching.\n\n## Old\n\nThis section about tarballs goes away.', {
      visibility: 'shared',
    });
    assert.equal(first.status, 201);
    const kept = (await bob.search('caching paragraph')).body.passages[0]!;
    assert.equal((await bob.feedback({ chunkId: kept.chunkId, feedbackType: 'helpful' })).status, 200);
    assert.equal((await bob.feedback({ chunkId: kept.chunkId, feedbackType: 'correction', correctionText: 'Caching uses redis now.' })).status, 200);
    const second = await alice.upload('guide.md', '# Guide\n\nKeep this paragraph about caching.\n\n## New\n\nA fresh section about containers.', {
      visibility: 'shared',
    });
    assert.equal(second.status, 200);
    assert.equal(second.body.replaced, true);
    assert.equal(second.body.documentId, first.body.documentId);
    assert.deepEqual(await chunkTexts('guide.md'), ['Keep this paragraph about caching.', 'A fresh section about containers.']);
    assert.deepEqual(titles(await bob.search('tarballs')), []);
    const again = (await bob.search('caching paragraph')).body.passages[0]!;
    assert.deepEqual(again.votes, { up: 1, down: 0 });
    assert.equal(again.correction?.text, 'Caching uses redis now.');
    assert.ok(titles(await bob.search('redis')).includes('guide'), 'the correction is searchable again after the re-upload');
    const other = await bob.upload('guide.md', '# Bob guide\n\nBob has his own note at this path.', { visibility: 'shared' });
    assert.equal(other.status, 201, "another user's note at the same path is another document");
  });

  it('concurrent uploads of one path leave one whole version', async () => {
    const versions = Array.from({ length: 8 }, (_, i) => `# Race\n\nVersion ${i} first paragraph.\n\n## Part\n\nVersion ${i} second paragraph.`);
    const responses = await Promise.all(versions.map((text) => alice.upload('race.md', text, { visibility: 'shared' })));
    assert.deepEqual(responses.map((response) => response.status).sort(), [200, 200, 200, 200, 200, 200, 200, 201]);
    assert.equal(new Set(responses.map((response) => response.body.documentId)).size, 1);
    const texts = await chunkTexts('race.md');
    assert.equal(texts.length, 2);
    const version = /Version (\d)/.exec(texts[0]!)![1];
    assert.deepEqual(texts, [`Version ${version} first paragraph.`, `Version ${version} second paragraph.`]);
  });
});
