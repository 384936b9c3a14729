/**
 * The browser capture page: for a desktop VS Code whose webviews get no microphone and whose
 * machine has no recorder, the extension opens this page on 127.0.0.1 in the user's browser,
 * which grants the microphone to localhost. The page streams the microphone over the same live
 * WebSocket (with the same token) and plays the answers.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { LIVE_TOKEN_PARAM } from '../../protocol/live';
import { tokenMatches } from './access';

export const CAPTURE_PAGE_PATH = '/capture';

const ASSETS: Record<string, string> = { '/capture/page.js': 'capture-page.js', '/capture/worklet.js': 'worklet.js' };

function page(port: number): string {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `connect-src ws://127.0.0.1:${port}`,
    "media-src 'self' blob:",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley microphone</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }
  button { font: inherit; padding: 0.5rem 1.2rem; }
  #status { color: GrayText; }
  .turn { margin: 0.5rem 0; }
</style>
</head>
<body>
<h1>Parley microphone</h1>
<p>Keep this tab open while you talk to Parley in VS Code. Your voice goes only to the Parley server on this machine.</p>
<p><button id="toggle" type="button">Start listening</button> <span id="status" role="status">Not listening</span></p>
<p id="partial" aria-live="polite"></p>
<div id="turns" aria-live="polite"></div>
<script src="/capture/page.js"></script>
</body>
</html>`;
}

/** Answers the page and its scripts; returns false for any other path. */
export async function serveCapturePage(request: IncomingMessage, response: ServerResponse, token: string, port: number, assetsDir: string): Promise<boolean> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (request.method !== 'GET') return false;
  if (url.pathname === CAPTURE_PAGE_PATH) {
    if (!tokenMatches(token, url.searchParams.get(LIVE_TOKEN_PARAM))) {
      response.writeHead(401, { 'content-type': 'text/plain' }).end('This address needs the token Parley opened it with.');
      return true;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end(page(port));
    return true;
  }
  const asset = ASSETS[url.pathname];
  if (!asset) return false;
  try {
    const body = await readFile(join(assetsDir, asset));
    response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(body);
  } catch {
    response.writeHead(404).end();
  }
  return true;
}
