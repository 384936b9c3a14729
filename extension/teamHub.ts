/**
 * Parley: Connect to Team Hub: the hub's address (parley.hub.url, a machine setting) and the
 * user's token from `parley hub user add`, checked against the hub before anything is saved. The
 * token goes to SecretStorage only; the server restarts with it, uploads the shared notes and
 * searches the team's.
 */
import * as vscode from 'vscode';
import type { Secrets } from './secrets';

/** Asks the hub who the token is, so that a wrong address or token is said before it is saved. */
async function checkHub(url: string, token: string): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch(`${url}/api/kb/my-contributions`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    return `There is no team hub answering at ${url} (${cause}). Check the address, or start one with npx parley hub.`;
  }
  if (response.ok) return undefined;
  const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  if (response.status === 401)
    return `The hub at ${url} refused the token: ${body.error?.message ?? 'unknown token'} Ask for a new one (npx parley hub user token <name>).`;
  return `The hub at ${url} answered ${response.status}: ${body.error?.message ?? response.statusText}.`;
}

export async function connectHubCommand(secrets: Secrets): Promise<void> {
  const config = vscode.workspace.getConfiguration('parley');
  const url = await vscode.window.showInputBox({
    title: 'Connect to Team Hub (1/2): the hub’s address',
    prompt: 'The address of the team’s parley hub, for example http://hub.internal:8787',
    value: config.get<string>('hub.url') || 'http://127.0.0.1:8787',
    ignoreFocusOut: true,
    validateInput: (value) => {
      try {
        return ['http:', 'https:'].includes(new URL(value.trim()).protocol) ? undefined : 'An http:// or https:// address.';
      } catch {
        return 'An address such as http://hub.internal:8787.';
      }
    },
  });
  if (url === undefined) return;
  const address = url.trim().replace(/\/+$/, '');
  const token = await vscode.window.showInputBox({
    title: 'Connect to Team Hub (2/2): your token',
    prompt: 'The token `npx parley hub user add <name>` printed for you. Stored in VS Code secret storage; the Parley server restarts to use it.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) =>
      value.trim() === '' ? 'Enter the token, or press Escape to cancel.' : /\s/.test(value.trim()) ? 'A token has no spaces.' : undefined,
  });
  if (token === undefined) return;
  const problem = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Parley: checking the team hub at ${address}` },
    () => checkHub(address, token.trim()),
  );
  if (problem) throw new Error(problem);
  await config.update('hub.url', address, vscode.ConfigurationTarget.Global);
  await secrets.set('hub', token.trim());
  void vscode.window.showInformationMessage(
    `Parley: connected to the team hub at ${address}. Your shared notes go to it, and the Knowledge Base view searches the team’s (Team, Both).`,
  );
}
