import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_WEIGHTS, fuse } from '../../../server/knowledge/search';
import { queryTerms, snippetOf } from '../../../server/knowledge/snippet';
import { embeddingText } from '../../../server/knowledge/store';

const neutral = () => 0.5;

describe('fusion', () => {
  it('keeps BM25 order when its first hit stands far above the rest', () => {
    const lexical = [
      { chunkId: 1, score: 12 },
      { chunkId: 2, score: 4 },
    ];
    const semantic = [
      { chunkId: 2, score: 0.6 },
      { chunkId: 1, score: 0.5 },
    ];
    assert.deepEqual(
      fuse(lexical, semantic, DEFAULT_WEIGHTS, neutral).map((hit) => hit.chunkId),
      [1, 2],
    );
  });

  it('lets the vector leg decide between passages that BM25 scores alike', () => {
    const lexical = [
      { chunkId: 1, score: 5 },
      { chunkId: 2, score: 4.95 },
    ];
    const semantic = [
      { chunkId: 2, score: 0.7 },
      { chunkId: 1, score: 0.2 },
    ];
    assert.deepEqual(
      fuse(lexical, semantic, DEFAULT_WEIGHTS, neutral).map((hit) => hit.chunkId),
      [2, 1],
    );
  });

  it('ranks a passage found by one leg only, and uses either leg alone', () => {
    assert.deepEqual(
      fuse([], [{ chunkId: 7, score: 0.4 }], DEFAULT_WEIGHTS, neutral).map((hit) => hit.chunkId),
      [7],
    );
    assert.deepEqual(
      fuse([{ chunkId: 3, score: 2 }], [], DEFAULT_WEIGHTS, neutral).map((hit) => hit.chunkId),
      [3],
    );
    assert.deepEqual(fuse([], [], DEFAULT_WEIGHTS, neutral), []);
  });

  it('moves a well-voted passage above an equal one', () => {
    const lexical = [
      { chunkId: 1, score: 3 },
      { chunkId: 2, score: 3 },
    ];
    const fused = fuse(lexical, [], DEFAULT_WEIGHTS, (id) => (id === 2 ? 0.9 : 0.5));
    assert.deepEqual(
      fused.map((hit) => hit.chunkId),
      [2, 1],
    );
  });

  it('adds the note leg by its weight, and nothing when it is empty', () => {
    const lexical = [
      { chunkId: 1, score: 10 },
      { chunkId: 2, score: 8 },
    ];
    const notes = [
      { chunkId: 2, score: 6 },
      { chunkId: 1, score: 2 },
    ];
    assert.deepEqual(
      fuse(lexical, [], { ...DEFAULT_WEIGHTS, note: 0.5 }, neutral, notes).map((hit) => hit.chunkId),
      [2, 1],
    );
    assert.deepEqual(
      fuse(lexical, [], { ...DEFAULT_WEIGHTS, note: 0 }, neutral, notes).map((hit) => hit.chunkId),
      [1, 2],
    );
    assert.deepEqual(
      fuse(lexical, [], DEFAULT_WEIGHTS, neutral).map((hit) => hit.chunkId),
      [1, 2],
    );
  });
});

describe('snippets', () => {
  it('drops stopwords from the query unless nothing else is left', () => {
    assert.deepEqual(queryTerms('how do I deploy the vault'), ['deploy', 'vault']);
    assert.deepEqual(queryTerms('to be or not'), ['to', 'be', 'or', 'not']);
  });

  it('shows the window with the matched words and marks them, word forms included', () => {
    const text = `${'Filler words about nothing in particular. '.repeat(12)}Deploying with Docker needs a compose file.`;
    const { snippet, highlights } = snippetOf(text, ['deploy', 'docker']);
    assert.ok(snippet.startsWith('… '));
    const marked = highlights.map(([start, end]) => snippet.slice(start, end));
    assert.deepEqual(marked, ['Deploying', 'Docker']);
  });
});

describe('embedding text', () => {
  it('keeps link text and the breadcrumb but not link targets, URLs or tags', () => {
    const text = embeddingText({
      headingPath: ['Docker', 'Setup'],
      text: 'See [the guide](https://example.com/a%20b.md "edit") or https://x.io/y <span class="f">now</span>',
    });
    assert.equal(text.replace(/\s+/g, ' '), 'Docker › Setup See [the guide] or now ');
  });
});
