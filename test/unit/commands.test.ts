/**
 * The command table in protocol/commands.ts against package.json: the palette lists exactly the
 * declared commands that are not internal, and every menu entry and keybinding names a declared
 * command, so a command added in one place and forgotten in another fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Commands, INTERNAL_COMMANDS } from '../../protocol/commands';
import { VIEW_COMMANDS } from '../../protocol/webview';
import { REPO } from '../support/paths';

interface Contributes {
  commands: { command: string }[];
  menus: Record<string, { command: string }[]>;
  keybindings: { command: string }[];
}

const { contributes } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { contributes: Contributes };
const declared: string[] = Object.values(Commands);
const sorted = (ids: Iterable<string>) => [...ids].sort();

describe('command ids', () => {
  it('package.json contributes exactly the declared commands that are not internal', () => {
    const palette = declared.filter((id) => !(INTERNAL_COMMANDS as readonly string[]).includes(id));
    assert.deepEqual(sorted(contributes.commands.map((c) => c.command)), sorted(palette));
  });

  it('every menu entry and keybinding runs a declared command', () => {
    const used = [...Object.values(contributes.menus).flat(), ...contributes.keybindings].map((entry) => entry.command);
    assert.ok(used.length > 0, 'package.json has menus and keybindings');
    assert.deepEqual(
      used.filter((id) => !declared.includes(id)),
      [],
    );
  });

  it('declares each id once, and the webviews may run only declared commands', () => {
    assert.equal(new Set(declared).size, declared.length);
    assert.deepEqual(
      VIEW_COMMANDS.filter((id) => !declared.includes(id)),
      [],
    );
  });
});
