/**
 * Playwright helpers for driving the VS Code workbench that code-server serves, in Debian's
 * Chromium (playwright-core never downloads a browser here).
 *
 *   const page = await openWorkbench(cs.url);
 *   await runCommand(page, 'Parley: Open Panel');
 *   const frame = await webviewFrame(page, 'Parley');
 *   await screenshot(page, 'panel');
 *   await closeWorkbench(page);
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import { build } from 'esbuild';
import { decodeWav, encodeWav } from '../../server/audio/wav';
import { waitFor } from './poll';

export { waitFor };

const REPO = resolve(__dirname, '..', '..');
export const RESULTS_DIR = join(REPO, 'test-results');
export const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that make Debian's Chromium work headless, as root, on a machine with no internet. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream', // grant getUserMedia without a prompt
  '--use-fake-device-for-media-stream', // a fake microphone (a beep) unless a file is given
];

export interface BrowserOptions {
  /** A WAV file Chromium plays as the microphone (`--use-file-for-fake-audio-capture`). */
  fakeAudioCapture?: string;
  /** More Chromium flags. */
  args?: string[];
}

export function launchBrowser(options: BrowserOptions = {}): Promise<Browser> {
  const args = [...CHROMIUM_ARGS, ...(options.args ?? [])];
  if (options.fakeAudioCapture) args.push(`--use-file-for-fake-audio-capture=${resolve(options.fakeAudioCapture)}`);
  // headless: false because --headless is already in args (Playwright would add its own variant).
  return chromium.launch({ executablePath: CHROMIUM, args, headless: false, timeout: 60_000 });
}

/**
 * A blank page in a new headless browser running `lines` of TypeScript, bundled from the
 * repository as the webviews bundle their modules (imports relative to the repository root).
 */
export async function pageWithModule(lines: readonly string[]): Promise<{ browser: Browser; page: Page }> {
  const bundle = await build({
    stdin: { contents: lines.join('\n'), resolveDir: join(__dirname, '..', '..'), loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
  });
  const browser = await launchBrowser();
  const page = await browser.newPage();
  await page.setContent('<!doctype html><body></body>');
  await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
  return { browser, page };
}

const ownBrowsers = new WeakMap<Page, Browser>();

export interface OpenOptions extends BrowserOptions {
  /** Use this browser (a new page in a new context) instead of launching one per workbench. */
  browser?: Browser;
  timeoutMs?: number;
  viewport?: { width: number; height: number };
}

/** Opens the workbench at url and resolves once the workbench and its status bar are showing. */
export async function openWorkbench(url: string, options: OpenOptions = {}): Promise<Page> {
  const browser = options.browser ?? (await launchBrowser(options));
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
  const page = await context.newPage();
  if (!options.browser) ownBrowsers.set(page, browser);
  const timeoutMs = options.timeoutMs ?? 60_000;
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
    await waitFor(
      () =>
        // No named functions inside evaluate(): tsx (esbuild keepNames) would wrap them in a
        // `__name(...)` call that does not exist in the page.
        page.evaluate(() => {
          const workbench = document.querySelector<HTMLElement>('.monaco-workbench');
          const statusbar = document.querySelector<HTMLElement>('.part.statusbar');
          // Status bar items appear once the workbench has restored and the remote connection is up.
          return (
            !!workbench && workbench.offsetHeight > 0 && !!statusbar && statusbar.offsetHeight > 0 && statusbar.querySelectorAll('.statusbar-item').length > 0
          );
        }),
      { timeoutMs: timeoutMs, what: `the workbench at ${url}` },
    );
  } catch (error) {
    await screenshot(page, 'open-workbench-failure').catch(() => {});
    await closeWorkbench(page);
    throw error;
  }
  return page;
}

/** Closes the page, and the browser if openWorkbench launched it. */
export async function closeWorkbench(page: Page): Promise<void> {
  const browser = ownBrowsers.get(page);
  await page
    .context()
    .close()
    .catch(() => {});
  if (browser) await browser.close().catch(() => {});
}

/** Opens the command palette (F1 on the workbench) unless a quick input is already showing; throws if it does not show within 2 s. */
export async function openPalette(page: Page): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  if (await input.isVisible()) return;
  await page
    .locator('.monaco-workbench')
    .focus()
    .catch(() => {});
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible', timeout: 2_000 });
}

/**
 * Runs a command by its palette title ("Category: Title") through F1 and the quick pick. A command
 * that opens a quick pick or input box of its own (`opensQuickInput`) leaves the widget showing, so
 * then only the palette's own list is waited on to go away.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 15_000, { opensQuickInput = false } = {}): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await waitFor(
    async () => {
      await openPalette(page);
      return true;
    },
    { timeoutMs: timeoutMs, what: 'the command palette' },
  );
  // Pick the row whose label is exactly the title (fuzzy matching may list others first).
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({
    has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) }),
  });
  // Commands contributed by extensions appear only once the extension host has registered them,
  // and an open palette does not refresh by itself: retype the query until the row shows. Each
  // step waits briefly: the workbench can make the palette inert or close it for a moment (focus
  // moving to an editor that just opened, a dialog closing), and a step waiting out Playwright's
  // default timeout would outlast this wait; the next try opens the palette again.
  await waitFor(
    async () => {
      try {
        await openPalette(page);
        await input.fill(`>${title}`, { timeout: 2_000 });
      } catch {
        return false;
      }
      try {
        await row.first().waitFor({ state: 'visible', timeout: 1_000 });
      } catch {
        await input.fill('>', { timeout: 2_000 }).catch(() => undefined);
        return false;
      }
      try {
        await row.first().click({ timeout: 2_000 });
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: timeoutMs, what: `"${title}" in the command palette`, intervalMs: 0 },
  );
  if (opensQuickInput) await waitFor(async () => (await row.count()) === 0, { timeoutMs: timeoutMs, what: `"${title}" to take over the quick input` });
  else await waitFor(async () => !(await input.isVisible()), { timeoutMs: timeoutMs, what: 'the command palette to close' });
}

/**
 * Right-clicks target and chooses the context-menu entry labelled label. The workbench lists an
 * extension's entries only once it has read the extension's manifest (slow on a cold first start),
 * so each try opens the menu, looks for the entry, and otherwise closes the menu for certain before
 * the next try: a menu left open swallows every later click. The menu's entries take mouse-ups only
 * from 100 ms after they render (a timer, late on a busy machine), so a click can land before they
 * listen; then the menu stays open and the entry is clicked again.
 */
export async function chooseFromContextMenu(page: Page, target: Locator, label: string, timeoutMs = 90_000): Promise<void> {
  const menu = page.locator('.context-view .monaco-menu').first();
  const item = page.locator('.context-view .action-item', { has: page.locator('.action-label', { hasText: label }) }).first();
  const closed = () =>
    menu.waitFor({ state: 'hidden', timeout: 3_000 }).then(
      () => true,
      () => false,
    );
  const close = async () => {
    await page.keyboard.press('Escape');
    if (!(await closed()))
      await page
        .locator('.context-view-block')
        .first()
        .click({ timeout: 2_000 })
        .catch(() => undefined);
  };
  await waitFor(
    async () => {
      await target.click({ button: 'right', timeout: 5_000 });
      await menu.waitFor({ state: 'visible', timeout: 5_000 });
      if (!(await item.isVisible().catch(() => false))) {
        await close();
        return false;
      }
      for (let click = 0; click < 2; click++) {
        await item.click({ timeout: 5_000 });
        if (await closed()) return true;
      }
      await close();
      return false;
    },
    { timeoutMs, intervalMs: 1_000, what: `"${label}" in the context menu` },
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The texts of the notification toasts currently showing. */
export async function notifications(page: Page): Promise<string[]> {
  return page
    .locator('.notifications-toasts .notification-toast .notification-list-item-message')
    .evaluateAll((els) => els.map((el) => (el as HTMLElement).innerText.trim()));
}

export type FramePredicate = string | RegExp | ((frame: Frame) => boolean | Promise<boolean>);

/**
 * The content frame of a webview. VS Code nests each webview twice: the workbench holds an
 * `iframe.webview` (the host page, which relays messages and enforces the CSP), and that page holds
 * `iframe#active-frame` with the extension's HTML (a `#pending-frame` while it loads). Playwright
 * lists all frames flat; this returns the first active content frame that the predicate accepts:
 * a string or RegExp is matched against the frame's body text, a function is called with the frame.
 */
export async function webviewFrame(page: Page, predicate: FramePredicate, timeoutMs = 30_000): Promise<Frame> {
  const accepts = async (frame: Frame): Promise<boolean> => {
    if (typeof predicate === 'function') return predicate(frame);
    const text = await frame.evaluate(() => document.body?.innerText ?? '');
    return typeof predicate === 'string' ? text.includes(predicate) : predicate.test(text);
  };
  return waitFor(
    async () => {
      for (const frame of webviewContentFrames(page)) {
        if ((await isActiveWebviewFrame(frame).catch(() => false)) && (await accepts(frame).catch(() => false))) return frame;
      }
      return undefined;
    },
    { timeoutMs: timeoutMs, what: `a webview frame matching ${String(predicate)}` },
  );
}

/** Frames that sit inside a webview host frame (candidates for content frames). */
function webviewContentFrames(page: Page): Frame[] {
  return page.frames().filter((frame) => frame.parentFrame()?.url().includes('/webview/') ?? false);
}

async function isActiveWebviewFrame(frame: Frame): Promise<boolean> {
  const element = await frame.frameElement();
  try {
    const [id, outerIsWebview] = await Promise.all([
      element.getAttribute('id'),
      frame
        .parentFrame()!
        .frameElement()
        .then((outer) => outer.evaluate((el) => (el as Element).classList.contains('webview'))),
    ]);
    return id === 'active-frame' && outerIsWebview;
  } finally {
    await element.dispose();
  }
}

/** Opens Parley's session panel from the palette and resolves with its frame once it is connected to the server. */
export async function openSessionPanel(page: Page): Promise<Frame> {
  await runCommand(page, 'Parley: Open Session');
  const panel = await webviewFrame(page, 'Parley Session', 60_000);
  await waitFor(async () => (await panel.locator('[data-field="connection"]').innerText()).includes('Connected'), {
    timeoutMs: 60_000,
    what: 'the panel to connect',
  });
  return panel;
}

/**
 * Writes a recording from ../shared/audio with silence around it, for Chromium's fake microphone
 * (`fakeAudioCapture`), which plays it once from the moment the page first captures.
 */
export function fakeMicrophone(dir: string, clip: string, leadSeconds: number, tailSeconds: number): string {
  const speech = decodeWav(readFileSync(join(REPO, '..', 'shared', 'audio', clip))).pcm;
  const silence = (seconds: number) => Buffer.alloc(seconds * 16_000 * 2);
  const file = join(dir, `microphone-${leadSeconds}s-${clip}`);
  writeFileSync(file, encodeWav(Buffer.concat([silence(leadSeconds), speech, silence(tailSeconds)])));
  return file;
}

/** Saves a full-page PNG as test-results/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path });
  return path;
}

/** Opens a workspace file by name through Go to File, and waits for its editor tab to be active. */
export async function openFileByName(page: Page, name: string): Promise<void> {
  await runCommand(page, 'Go to File...', 15_000, { opensQuickInput: true });
  await page.keyboard.type(name);
  await waitFor(async () => (await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).count()) > 0, {
    timeoutMs: 15_000,
    what: `${name} in quick open`,
  });
  await page.keyboard.press('Enter');
  await waitFor(async () => (await page.locator('.tab.active', { hasText: name }).count()) > 0, { timeoutMs: 15_000, what: `${name} to open` });
}
