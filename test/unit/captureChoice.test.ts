/**
 * What the panel listens through (extension/captureChoice.ts), for every setting, every kind of
 * window, with and without a recorder, before and after the panel's own microphone failed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseCapture, type HostKind } from '../../extension/captureChoice';
import { CAPTURE_PREFERENCES } from '../../protocol/settings';
import type { CaptureChoice } from '../../protocol/webview';

const DENIED = 'NotAllowedError: Permission denied';
type Start = CaptureChoice['start'];

/** [setting, window, recorder, the panel's microphone failed] → what starts. */
const TABLE: [(typeof CAPTURE_PREFERENCES)[number], HostKind, boolean, boolean, Start][] = [
  // auto: the panel's microphone where a browser may grant it, else the system's, else the user's browser.
  ['auto', 'web', true, false, 'webview'],
  ['auto', 'web', true, true, 'native'],
  ['auto', 'web', false, false, 'webview'],
  ['auto', 'web', false, true, 'browser'],
  // Desktop VS Code gives webviews no microphone: the panel does not try it.
  ['auto', 'desktop', true, false, 'native'],
  ['auto', 'desktop', true, true, 'native'],
  ['auto', 'desktop', false, false, 'browser'],
  ['auto', 'desktop', false, true, 'browser'],
  // A remote window's server records the remote machine: the user's own browser hears them.
  ['auto', 'remote', true, false, 'browser'],
  ['auto', 'remote', true, true, 'browser'],
  ['auto', 'remote', false, false, 'browser'],
  ['auto', 'remote', false, true, 'browser'],
  // A setting other than auto is what the user asked for, wherever they are.
  ...(['web', 'desktop', 'remote'] as const).flatMap((host) =>
    [true, false].flatMap((recorder): [(typeof CAPTURE_PREFERENCES)[number], HostKind, boolean, boolean, Start][] => [
      ['webview', host, recorder, false, 'webview'],
      ['webview', host, recorder, true, 'none'],
      ['native', host, recorder, false, 'native'],
      ['browser', host, recorder, false, 'browser'],
    ]),
  ),
];

describe('the capture choice', () => {
  it('covers every setting and every kind of window', () => {
    assert.deepEqual([...new Set(TABLE.map(([preference]) => preference))].sort(), [...CAPTURE_PREFERENCES].sort());
    assert.equal(new Set(TABLE.map(([p, h, r, f]) => `${p} ${h} ${r} ${f}`)).size, TABLE.length, 'each case once');
  });

  for (const [preference, host, recorder, failed, start] of TABLE) {
    it(`${preference} in a ${host} window, ${recorder ? 'with' : 'without'} a recorder${failed ? ', the panel’s microphone denied' : ''} → ${start}`, () => {
      const choice = chooseCapture({ preference, host, recorder, ...(failed ? { webviewFailed: DENIED } : {}) });
      assert.equal(choice.start, start);
      if (choice.start === 'browser' || choice.start === 'none') assert.ok(choice.notice.length > 0, 'the user is told where to talk, or why they cannot');
      // After a failure the user learns why (the browser's reason), except where the panel's microphone was never the way.
      if (failed && host !== 'remote') assert.match(choice.notice ?? '', /NotAllowedError/);
    });
  }

  it('says why it falls back to the system microphone, and says nothing when the system microphone is the plain choice', () => {
    assert.match(
      chooseCapture({ preference: 'auto', host: 'web', recorder: true, webviewFailed: DENIED }).notice ?? '',
      /listening through the system microphone instead/,
    );
    assert.equal(chooseCapture({ preference: 'auto', host: 'desktop', recorder: true }).notice, undefined);
    assert.equal(chooseCapture({ preference: 'native', host: 'desktop', recorder: false }).notice, undefined);
  });

  it('tells the user with capture set to webview how to listen in desktop VS Code', () => {
    assert.match(
      chooseCapture({ preference: 'webview', host: 'desktop', recorder: true, webviewFailed: DENIED }).notice ?? '',
      /set parley\.voice\.capture to auto or native/,
    );
  });
});
