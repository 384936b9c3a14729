/**
 * The panel's approval cards in a real browser (Debian's Chromium, headless): the command shown as
 * text, Enter and Escape on the focused card, "always allow", output with its colours as spans,
 * Stop, figures, the end line. The card module is bundled as the panel bundles it, and the frames
 * it would send are recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { pageWithModule } from '../support/workbench';

describe('approval cards in the panel', () => {
  let browser: Browser;
  let page: Page;

  before(async () => {
    ({ browser, page } = await pageWithModule([
      "import { allowedCommandsSection, Cards, cellInput } from './webview/cards';",
      'const sent = [];',
      'const cards = new Cards((frame) => sent.push(frame));',
      "const cell = cellInput((language, code) => sent.push({ type: 'cell', language, code }));",
      "const allowed = document.createElement('div');",
      "const showAllowed = (commands) => allowed.replaceChildren(allowedCommandsSection(commands, (argv) => sent.push({ type: 'allowedCommands', action: 'remove', argv })));",
      'document.body.append(cards.element, cell, allowed);',
      'Object.assign(window, { cards, sent, showAllowed });',
    ]));
  });
  after(async () => {
    await browser?.close();
  });

  const apply = (frame: object) => page.evaluate((given) => (window as unknown as { cards: { apply(frame: unknown): void } }).cards.apply(given), frame);
  const sent = () => page.evaluate(() => (window as unknown as { sent: unknown[] }).sent.splice(0));
  const card = (id: string) => page.locator(`[data-approval="${id}"]`);
  const approval = (id: string, command: string) => ({ type: 'approval', id, kind: 'command', command, cwd: 'the workspace folder', reason: 'To see' });

  it('shows the exact command as text, focuses the card, and runs it on Enter', async () => {
    const hostile = 'node -e "<img src=x onerror=alert(1)>"';
    await apply(approval('a1', hostile));
    assert.equal(await card('a1').locator('[data-field=command]').textContent(), hostile);
    assert.equal(await page.locator('img').count(), 0, 'nothing of the command became markup');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-approval')), 'a1');
    await page.keyboard.press('Enter');
    assert.deepEqual(await sent(), [{ type: 'approve', id: 'a1', decision: 'run' }]);
    await page.keyboard.press('Enter');
    assert.deepEqual(await sent(), [], 'a card is answered once');
  });

  it('denies on Escape, and sends "always" only when ticked', async () => {
    await apply(approval('a2', 'git status'));
    await page.keyboard.press('Escape');
    assert.deepEqual(await sent(), [{ type: 'approve', id: 'a2', decision: 'deny' }]);
    await apply({ type: 'approvalState', id: 'a2', state: 'denied' });
    assert.match((await card('a2').locator('[data-field=status]').textContent()) ?? '', /You denied it; it did not run/);

    await apply(approval('a3', 'npm test'));
    await card('a3').locator('[data-field=always]').check();
    await card('a3').locator('[data-action=run]').click();
    assert.deepEqual(await sent(), [{ type: 'approve', id: 'a3', decision: 'run', always: true }]);
  });

  it('streams output with its colours as spans, stops on Escape, and ends with the outcome', async () => {
    await apply({ type: 'approvalState', id: 'a3', state: 'running' });
    await apply({ type: 'runOutput', id: 'a3', stream: 'stdout', text: 'ok \u001b[31mFAIL <b>x</b>\u001b[0m done\n' });
    await apply({ type: 'runOutput', id: 'a3', stream: 'stderr', text: 'warned\n' });
    const output = card('a3').locator('[data-field=output]');
    assert.equal(await output.textContent(), 'ok FAIL <b>x</b> done\nwarned\n');
    assert.equal(await output.locator('span.ansi-fg-1').textContent(), 'FAIL <b>x</b>');
    assert.equal(await output.locator('b').count(), 0);
    assert.equal(await output.locator('span.stderr').textContent(), 'warned\n');
    await card('a3').focus();
    await page.keyboard.press('Escape');
    assert.deepEqual(await sent(), [{ type: 'stopRun', id: 'a3' }]);
    await apply({ type: 'runEnd', id: 'a3', outcome: 'killed', exitCode: null, signal: 'SIGTERM', ms: 812, reason: 'stopped by the user' });
    assert.equal(await card('a3').locator('[data-field=status]').textContent(), ' Stopped · signal SIGTERM · 812 ms · stopped by the user');
    assert.equal(await card('a3').locator('[data-action=stop]').isHidden(), true);
  });

  it("shows a cell's figure as an image and offers no always-allow for cells", async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    await apply({ type: 'approval', id: 'c1', kind: 'cell', language: 'python', command: 'plt.plot([1, 2])', cwd: 'the workspace folder', reason: 'A plot' });
    assert.equal(await card('c1').locator('[data-field=always]').count(), 0);
    await card('c1').locator('[data-action=run]').click();
    assert.deepEqual(await sent(), [{ type: 'approve', id: 'c1', decision: 'run' }]);
    await apply({ type: 'approvalState', id: 'c1', state: 'running' });
    await apply({ type: 'runImage', id: 'c1', png });
    assert.equal(await card('c1').locator('img.card-figure').getAttribute('src'), `data:image/png;base64,${png}`);
    await apply({ type: 'runEnd', id: 'c1', outcome: 'ok', exitCode: null, signal: null, ms: 40 });
    assert.match((await card('c1').locator('[data-field=status]').textContent()) ?? '', /Succeeded/);
  });

  it("shows a cell's table as an HTML table of text, with its caption and what it left out", async () => {
    await apply({
      type: 'approval',
      id: 't1',
      kind: 'cell',
      language: 'python',
      command: 'rows',
      cwd: 'the workspace folder',
      reason: 'A table',
      preapproved: true,
    });
    await apply({ type: 'approvalState', id: 't1', state: 'running' });
    const table = {
      columns: ['name', '<i>n</i>'],
      rows: [
        ['<img src=x onerror=alert(1)>', '1'],
        ['b', '2'],
      ],
      totalRows: 1_000_000,
      totalColumns: 120,
    };
    await apply({ type: 'runTable', id: 't1', table });
    const shown = card('t1').locator('[data-field=table]');
    assert.deepEqual(await shown.locator('th[scope=col]').allTextContents(), ['name', '<i>n</i>']);
    assert.deepEqual(await shown.locator('tbody tr').first().locator('td').allTextContents(), ['<img src=x onerror=alert(1)>', '1']);
    assert.equal(await shown.locator('img, i').count(), 0, 'nothing of the table became markup');
    assert.equal(await shown.locator('caption').textContent(), 'A table the cell returned: 1,000,000 rows × 120 columns');
    assert.equal(await shown.locator('[role=region]').getAttribute('tabindex'), '0');
    assert.equal(await shown.locator('[data-field=table-note]').textContent(), '999,998 more rows and 118 more columns not shown.');
    await apply({ type: 'runTable', id: 't1', table: { ...table, totalRows: 2, totalColumns: 2 } });
    assert.equal(await card('t1').locator('[data-field=table]').nth(1).locator('[data-field=table-note]').count(), 0, 'a whole table has no note');
  });

  it('runs a typed cell on Ctrl+Enter in the chosen language', async () => {
    await page.locator('details.repl summary').click();
    await page.locator('[data-field=cell-language]').selectOption('node');
    await page.locator('[data-field=cell-code]').fill('1 + 1');
    await page.locator('[data-field=cell-code]').press('Control+Enter');
    assert.deepEqual(await sent(), [{ type: 'cell', language: 'node', code: '1 + 1' }]);
  });

  it('lists the always-allowed commands as command lines, each with Remove', async () => {
    await page.evaluate(() =>
      (window as unknown as { showAllowed(commands: string[][]): void }).showAllowed([
        ['npm', 'test'],
        ['node', '-e', "console.log('a b')"],
      ]),
    );
    assert.deepEqual(await page.locator('.allowed-list code').allTextContents(), ['npm test', `node -e 'console.log('\\''a b'\\'')'`]);
    await page.locator('.allowed-list [data-action=remove]').nth(1).click();
    assert.deepEqual(await sent(), [{ type: 'allowedCommands', action: 'remove', argv: ['node', '-e', "console.log('a b')"] }]);
  });
});
