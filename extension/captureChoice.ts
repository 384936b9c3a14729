/**
 * Which microphone Parley listens through, decided in one place. The extension knows the window
 * (desktop, remote, or VS Code in a browser), the server knows the setting and whether the machine
 * has a recorder, and the panel reports whether its own microphone failed; the panel then starts
 * what this says. No 'vscode' here, so the whole table is tested in plain Node.
 */
import type { VoiceSettings } from '../protocol/settings';
import type { CaptureChoice } from '../protocol/webview';

/**
 * `desktop`: desktop VS Code on this machine, which gives webviews no microphone
 * (microsoft/vscode#113916). `remote`: a desktop window on a remote machine, where the server and
 * its recorder run, far from the user's microphone. `web`: VS Code in a browser, whose webviews may
 * get the microphone (code-server with Chromium does; detect, do not assume).
 */
export type HostKind = 'desktop' | 'remote' | 'web';

export interface CaptureSituation {
  preference: VoiceSettings['capture'];
  host: HostKind;
  /** The server has a program to record the system microphone with. */
  recorder: boolean;
  /** The panel's own microphone failed to start, with the browser's reason. */
  webviewFailed?: string;
}

const ANSWERS_HERE = 'Answers appear here too.';

export function chooseCapture({ preference, host, recorder, webviewFailed }: CaptureSituation): CaptureChoice {
  const failed = webviewFailed === undefined ? '' : ` (${webviewFailed})`;
  switch (preference) {
    case 'native':
      return { start: 'native' };
    case 'browser':
      return { start: 'browser', notice: 'Talk in the browser tab Parley opened; answers appear here too.' };
    case 'webview':
      if (webviewFailed === undefined) return { start: 'webview' };
      return {
        start: 'none',
        notice: `The microphone is not available in this window${failed}. Desktop VS Code gives webviews no microphone: set parley.voice.capture to auto or native to record the system microphone. You can type instead.`,
      };
    case 'auto':
      return automatic(host, recorder, webviewFailed, failed);
  }
}

/** The panel's microphone where the window may grant it, else the system's, else the user's browser. */
function automatic(host: HostKind, recorder: boolean, webviewFailed: string | undefined, failed: string): CaptureChoice {
  if (host === 'web' && webviewFailed === undefined) return { start: 'webview' };
  if (host === 'remote')
    return {
      start: 'browser',
      notice: `This window is remote: the server's machine is not where you talk, so talk in the browser tab Parley opened instead. ${ANSWERS_HERE}`,
    };
  if (recorder)
    return webviewFailed === undefined
      ? { start: 'native' }
      : { start: 'native', notice: `This window gives the panel no microphone${failed}; listening through the system microphone instead.` };
  const why = host === 'web' ? `This window gives the panel no microphone${failed}` : `Desktop VS Code gives the panel no microphone${failed}`;
  return { start: 'browser', notice: `${why} and no recorder is installed; talk in the browser tab Parley opened instead. ${ANSWERS_HERE}` };
}
