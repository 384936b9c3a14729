/**
 * Who may open the live WebSocket: the per-launch token, compared in constant time, and a
 * browser Origin that is a VS Code webview or a loopback page. Clients that send no Origin are
 * not browsers, so for them the token alone decides.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (text: string) => createHash('sha256').update(text).digest();

export function tokenMatches(expected: string, given: string | null): boolean {
  return given !== null && timingSafeEqual(digest(expected), digest(given));
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const WEBVIEW_SCHEMES = new Set(['vscode-webview:', 'vscode-file:']);

export function originAllowed(origin: string | undefined, extraOrigins: readonly string[] = []): boolean {
  if (origin === undefined) return true;
  if (extraOrigins.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (WEBVIEW_SCHEMES.has(url.protocol)) return true;
  return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTS.has(url.hostname);
}
