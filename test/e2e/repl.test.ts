/**
 * REPL cells in the real VS Code: the user opens the session panel's REPL, types a Python cell that
 * draws a matplotlib plot and runs it with Ctrl+Enter; its card shows the figure as a decoded PNG.
 * The next cell reads a variable the first one set (the kernel lives on between cells). A cell
 * that never ends is stopped at parley.hands.timeoutMs, its card says so and what the restart
 * lost, and the next cell runs in the fresh kernel.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Frame, Locator, Page } from 'playwright-core';
import { e2eUnavailable } from '../support/codeserver';
import { startModelWorkbench, type ModelWorkbench } from '../support/model-workbench';
import { tempDir } from '../support/paths';
import { openSessionPanel, screenshot, waitFor } from '../support/workbench';
import { pythonWithMatplotlib } from '../integration/hands/python';

const unavailable = e2eUnavailable();
if (unavailable && process.env.CI) throw new Error(unavailable);

/** Low, so the endless cell ends soon; high enough that importing matplotlib on a busy machine fits. */
const CELL_TIMEOUT_MS = 6_000;
/** What stopping the kernel's tree, the card's update and the poll may add to the limit. */
const STOP_SLACK_MS = 4_000;

describe('REPL cells in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const workspace = tempDir('e2e-repl');
  let workbench: ModelWorkbench | undefined;
  let model: ModelWorkbench['model'];
  let page: Page;
  let panel: Frame;

  const cards = () => panel.locator('.approval-card');
  const status = (card: Locator) => card.locator('[data-field=status]');

  /** Types the cell into the panel's REPL, runs it with Ctrl+Enter and returns its card once it has ended. */
  async function runCell(code: string, timeoutMs = 30_000): Promise<Locator> {
    const before = await cards().count();
    const input = panel.locator('[data-field=cell-code]');
    await input.fill(code);
    await input.press('Control+Enter');
    const card = cards().nth(before);
    await waitFor(async () => (await card.count()) > 0, { timeoutMs: 15_000, what: 'the cell card' });
    await waitFor(async () => (await status(card).getAttribute('data-outcome')) !== null, { timeoutMs, what: `the end of the cell ${JSON.stringify(code)}` });
    return card;
  }

  before(async () => {
    workbench = await startModelWorkbench(workspace.path, {
      interTokenMs: 2,
      settings: { 'parley.hands.timeoutMs': CELL_TIMEOUT_MS },
      machineSettings: { 'parley.hands.python': pythonWithMatplotlib() },
    });
    ({ model, page } = workbench);
    panel = await openSessionPanel(page);
    await panel.locator('details.repl > summary').click();
  });

  after(async () => {
    await workbench?.close();
    workspace.cleanup();
  });

  it('shows the plot a cell draws, and the next cell reads its variable', async () => {
    const plot = await runCell('import matplotlib.pyplot as plt\nsquares = [n * n for n in range(1, 4)]\nplt.plot([1, 2, 3], squares)\nplt.show()');
    assert.match(await status(plot).innerText(), /Succeeded/, await plot.innerText());
    const figure = plot.locator('[data-field=figures] img');
    assert.equal(await figure.count(), 1);
    // Decoded, not only present: a broken data: URL leaves an <img> with no natural size.
    await waitFor(() => figure.evaluate((img) => (img as HTMLImageElement).complete), { timeoutMs: 10_000, what: 'the figure to load' });
    const size = await figure.evaluate((img) => ({ width: (img as HTMLImageElement).naturalWidth, height: (img as HTMLImageElement).naturalHeight }));
    assert.ok(size.width > 0 && size.height > 0, `the figure did not decode: ${JSON.stringify(size)}`);
    await screenshot(page, 'repl-plot');

    const sum = await runCell('sum(squares)');
    assert.match(await status(sum).innerText(), /Succeeded/, await sum.innerText());
    assert.equal((await sum.locator('[data-field=output]').innerText()).trim(), '14');
    assert.equal(model.requests.length, 0, 'cells the user runs do not ask the model');
  });

  it('stops an endless cell at the time limit, says what the restart lost, and runs the next cell', async () => {
    const started = Date.now();
    const endless = await runCell('while True: pass', CELL_TIMEOUT_MS + STOP_SLACK_MS);
    const tookMs = Date.now() - started;
    assert.ok(tookMs < CELL_TIMEOUT_MS + STOP_SLACK_MS, `the cell ended after ${tookMs} ms`);
    assert.equal(await status(endless).getAttribute('data-outcome'), 'timeout');
    assert.match(await status(endless).innerText(), new RegExp(`^\\s*Timed out · \\d+ ms · the cell ran past its ${CELL_TIMEOUT_MS} ms time limit$`));
    assert.match(await endless.locator('[data-field=output]').innerText(), /the REPL was restarted: variables squares were lost/);
    await screenshot(page, 'repl-timeout');

    const next = await runCell("print('fresh kernel', 'squares' in globals())");
    assert.match(await status(next).innerText(), /Succeeded/, await next.innerText());
    assert.equal((await next.locator('[data-field=output]').innerText()).trim(), 'fresh kernel False');
  });
});
