/**
 * Adding a setting is a checked recipe: package.json's `contributes.configuration` and the settings
 * schema (protocol/settings.ts) must declare the same settings, with the same types, defaults,
 * choices, ranges and list items.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { SETTING_FIELDS, type SettingField } from '../../protocol/settings';

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
};

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { configuration: { properties: Record<string, JsonSchema> } } };
const declared = manifest.contributes.configuration.properties;

function typeOf(value: unknown): string {
  return Array.isArray(value) ? 'array' : typeof value;
}

/** What package.json says of a setting or a list item, without its prose. */
function essentials(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema) return undefined;
  const { type, enum: choices, minimum, maximum, required, properties } = schema;
  const kept: JsonSchema = { type, enum: choices, minimum, maximum, required };
  if (properties)
    kept.properties = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, { ...essentials(property), default: property.default }]));
  return JSON.parse(JSON.stringify(kept)) as JsonSchema;
}

/** The same for the schema's field; text forms the environment may give (a flag's "true") are left aside. */
function fromSchema(field: SettingField): JsonSchema {
  const input = z.toJSONSchema(field.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const list = input.anyOf?.find((branch) => branch.type === 'array') ?? input;
  const fallback = z.parse(field.schema, undefined);
  return { ...essentials({ ...input, type: typeOf(fallback) }), default: fallback, items: essentials(list.items) };
}

function fromManifest(property: JsonSchema): JsonSchema {
  return { ...essentials(property), default: property.default, items: essentials(property.items) };
}

describe('the settings schema and package.json', () => {
  it('declare the same settings', () => {
    assert.deepEqual(SETTING_FIELDS.map((field) => `parley.${field.name}`).sort(), Object.keys(declared).sort());
  });

  for (const field of SETTING_FIELDS) {
    it(`agree on parley.${field.name}`, () => {
      const property = declared[`parley.${field.name}`];
      assert.ok(property, `package.json has no parley.${field.name}`);
      assert.deepEqual(JSON.parse(JSON.stringify(fromSchema(field))), JSON.parse(JSON.stringify(fromManifest(property))));
    });
  }
});
