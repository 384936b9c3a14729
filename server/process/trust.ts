/**
 * Whether the user trusts the workspace, as VS Code's workspace trust says. The extension tells
 * the server at start and again when the user grants trust; until then the server assumes the
 * workspace is not trusted. The command line runs in a folder the user chose to run it in, and
 * counts as trusted.
 *
 * Without trust Parley runs no program that reads the repository's own configuration (git: its
 * config can name a program to run, see git.ts), and never runs commands or code.
 */

let trusted = false;
const listeners = new Set<(trusted: boolean) => void>();

export function isWorkspaceTrusted(): boolean {
  return trusted;
}

export function setWorkspaceTrusted(value: boolean): void {
  if (value === trusted) return;
  trusted = value;
  for (const listener of listeners) listener(value);
}

/** Calls `listener` whenever trust changes; returns the function that stops it. */
export function onWorkspaceTrustChanged(listener: (trusted: boolean) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export class UntrustedWorkspaceError extends Error {
  constructor(what: string) {
    super(`${what} needs a trusted workspace; Parley does not run it in Restricted Mode.`);
    this.name = 'UntrustedWorkspaceError';
  }
}
