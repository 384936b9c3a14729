/**
 * Inline fixes in the real VS Code: code-server's built-in TypeScript reports a type error, the
 * user opens the quick fixes on it (Ctrl+.), picks "Fix with Parley", VS Code previews the edit the
 * model (the OpenAI-compatible stand-in) proposed, the user applies it, and the error goes away.
 * "Explain with Parley" then asks about the problem in the session panel.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { e2eUnavailable, type CodeServer } from '../support/codeserver';
import { startModelWorkbench, type ModelWorkbench } from '../support/model-workbench';
import { tempDir } from '../support/paths';
import { openFileByName, runCommand, screenshot, waitFor, webviewFrame } from '../support/workbench';

const unavailable = e2eUnavailable();
if (unavailable && process.env.CI) throw new Error(unavailable);

const BROKEN = 'export function label(count: number): string {\n  const text: number = `${count} items`;\n  return String(text);\n}\n';
const FIXED = 'export function label(count: number): string {\n  const text: string = `${count} items`;\n  return String(text);\n}\n';

describe('inline fixes in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const workspace = tempDir('e2e-fix');
  const file = join(workspace.path, 'src', 'label.ts');
  let workbench: ModelWorkbench | undefined;
  let model: ModelWorkbench['model'];
  let codeServer: CodeServer;
  let page: Page;

  const errorSquiggles = () => page.locator('.monaco-editor .squiggly-error').count();

  /** Puts the cursor on line 2, column 9 (the declared type) and opens the quick fixes there. */
  async function quickFixesOnTheError(): Promise<void> {
    await runCommand(page, 'Go to Line/Column...', 15_000, { opensQuickInput: true });
    await page.keyboard.type('2:9');
    await page.keyboard.press('Enter');
    await waitFor(async () => /Ln 2, Col 9/.test(await page.locator('.statusbar-item[id$="status.editor.selection"]').innerText()), {
      timeoutMs: 10_000,
      what: 'the cursor on the error',
    });
    try {
      await waitFor(
        async () => {
          if ((await page.locator('.action-widget .monaco-list-row', { hasText: 'Fix with Parley' }).count()) > 0) return true;
          await page.keyboard.press('Control+Period');
          return false;
        },
        { timeoutMs: 30_000, intervalMs: 1_000, what: 'Fix with Parley in the quick fixes' },
      );
    } catch (error) {
      await screenshot(page, 'fix-no-quick-fix');
      const menu = await page
        .locator('.action-widget')
        .innerText()
        .catch(() => '(no menu)');
      throw new Error(
        `${String(error)}; the menu shows: ${menu}\n${codeServer
          .vscodeLogs()
          .split('\n')
          .filter((line) => /parley|Parley|codeAction/.test(line))
          .slice(-40)
          .join('\n')}`,
      );
    }
  }

  before(async () => {
    mkdirSync(join(workspace.path, 'src'));
    writeFileSync(file, BROKEN);
    writeFileSync(
      join(workspace.path, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext' }, include: ['src'] }),
    );
    workbench = await startModelWorkbench(workspace.path, { interTokenMs: 2 });
    ({ model, codeServer, page } = workbench);
  });

  after(async () => {
    await workbench?.close();
    workspace.cleanup();
  });

  it('fixes a type error from the lightbulb with a previewed edit, and the error goes away', async () => {
    await openFileByName(page, 'label.ts');
    // The built-in TypeScript server starts and reports TS2322 on line 2.
    await waitFor(async () => (await errorSquiggles()) > 0, { timeoutMs: 120_000, what: "TypeScript's type error" });

    model.chat.push({
      text: JSON.stringify({
        summary: 'The template literal is a string',
        edits: [{ startLine: 2, endLine: 2, lines: ['  const text: string = `${count} items`;'] }],
      }),
    });
    await quickFixesOnTheError();
    await screenshot(page, 'fix-quick-fixes');
    const titles = await page.locator('.action-widget .monaco-list-row').allInnerTexts();
    assert.ok(
      titles.some((title) => title.includes('Explain with Parley')),
      titles.join(' | '),
    );
    await page.locator('.action-widget .monaco-list-row', { hasText: 'Fix with Parley' }).first().click();

    // VS Code previews the fix; nothing is written before the user applies it.
    const apply = page.locator('.refactor-preview .monaco-button, .part.panel .monaco-button', { hasText: /^Apply$/ });
    await waitFor(async () => (await apply.count()) > 0, { timeoutMs: 60_000, what: 'the refactor preview' });
    assert.equal(readFileSync(file, 'utf8'), BROKEN);
    const body = JSON.stringify(model.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)?.body ?? {});
    assert.match(body, /Type 'string' is not assignable to type 'number'/);
    await screenshot(page, 'fix-preview');
    // Changes that need confirmation start unchecked: the user ticks the file, then applies.
    const fileToggle = page.locator('.part.panel .edit-checkbox').first();
    await fileToggle.click();
    await waitFor(async () => (await fileToggle.getAttribute('aria-checked')) === 'true', { timeoutMs: 10_000, what: 'the change to be ticked' });
    await apply.first().click();

    await waitFor(() => readFileSync(file, 'utf8') === FIXED || undefined, { timeoutMs: 15_000, what: 'the fix on disk' });
    await waitFor(async () => (await errorSquiggles()) === 0, { timeoutMs: 60_000, what: 'the type error to go away' });
    await screenshot(page, 'fix-applied');
  });

  it('explains a problem in the session panel', async () => {
    writeFileSync(file, BROKEN);
    await waitFor(async () => (await errorSquiggles()) > 0, { timeoutMs: 60_000, what: 'the type error again' });
    model.chat.push({ text: 'The template literal makes a string, but text is declared as a number.' });
    await quickFixesOnTheError();
    await page.locator('.action-widget .monaco-list-row', { hasText: 'Explain with Parley' }).first().click();

    const panel = await webviewFrame(page, 'Parley Session', 60_000);
    const question = panel.locator('.turn.user').last();
    try {
      await waitFor(async () => (await question.innerText().catch(() => '')).includes('Explain this error in src/label.ts, line 2'), {
        timeoutMs: 60_000,
        what: 'the question in the panel',
      });
    } catch (error) {
      await screenshot(page, 'fix-explain-failure');
      throw new Error(
        `${String(error)}\n${await panel
          .locator('body')
          .innerText()
          .catch(() => '')}\n${codeServer
          .vscodeLogs()
          .split('\n')
          .filter((line) => /parley|Parley|explain/i.test(line))
          .slice(-30)
          .join('\n')}`,
      );
    }
    assert.match(await question.innerText(), /Type 'string' is not assignable to type 'number'/);
    const answer = panel.locator('.turn.assistant:not(.streaming)').last();
    await waitFor(async () => (await answer.innerText().catch(() => '')).includes('declared as a number'), { timeoutMs: 60_000, what: 'the answer' });
    await screenshot(page, 'fix-explain');
  });
});
