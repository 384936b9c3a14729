import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BuiltinEmbedder, embedText } from '../../../server/knowledge/embed/builtin';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

describe('built-in embedder', () => {
  it('gives the same unit-length vector for the same text, every time', async () => {
    const embedder = new BuiltinEmbedder();
    const [first, second] = await embedder.embed(['Deploying the vault with Docker', 'Deploying the vault with Docker']);
    assert.deepEqual(first, second);
    assert.equal(first!.length, embedder.dimensions);
    assert.ok(Math.abs(dot(first!, first!) - 1) < 1e-5);
  });

  it('places related texts closer than unrelated ones, across word forms and camelCase', () => {
    const query = embedText('deployment with docker containers');
    const related = embedText('How to deploy Obsidian Publish in a Docker container');
    const unrelated = embedText('Pick a colour scheme for the calendar theme');
    assert.ok(dot(query, related) > dot(query, unrelated) + 0.1);
    assert.ok(dot(embedText('DataView'), embedText('data view')) > 0.9);
  });

  it('weighs a query by the rarity it is given, so a rare shared word beats a common one', () => {
    const embedder = new BuiltinEmbedder();
    const idf = (stem: string) => (stem === 'plugin' ? 0.2 : 8);
    const query = embedder.embedWeightedQuery('excalidraw plugin', idf);
    const rare = embedText('Excalidraw drawings inside notes');
    const common = embedText('A plugin for plugin settings of every plugin');
    assert.ok(dot(query, rare) > dot(query, common));
    assert.ok(Math.abs(dot(query, query) - 1) < 1e-5);
  });

  it('names its feature version and width in its id, so a change re-embeds stored passages', () => {
    assert.match(new BuiltinEmbedder().id, /^builtin:hash-v\d+:384$/);
    assert.notEqual(new BuiltinEmbedder(256).id, new BuiltinEmbedder().id);
  });

  it('embeds an empty text as the zero vector rather than failing', () => {
    assert.ok(embedText('').every((value) => value === 0));
  });
});
