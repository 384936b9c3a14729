/**
 * The knowledge base commands: add folders, files and selections (with a cancellable progress
 * notification), sync, visibility, stats and contributions. The server does the work; these
 * gather the user's choice and report the outcome.
 */
import * as vscode from 'vscode';
import type { KbIngestResult, KbStats, KbTeamStatsAnswer, Visibility } from '../protocol/knowledge';
import { loadClientLibrary, type Ctx } from './ctx';
import { withServerProgress } from './progress';

function ingestSummary(what: string, result: KbIngestResult): string {
  if (result.cancelled) return `Parley: adding ${what} was cancelled; the notes indexed so far are kept and the rest follow on the next sync.`;
  const parts = [`${result.indexed} indexed`, `${result.unchanged} unchanged`];
  if (result.removed) parts.push(`${result.removed} removed`);
  if (result.skipped.length) parts.push(`${result.skipped.length} skipped (reasons in the log)`);
  const embedding = result.embeddingError ? ` Embedding failed, so new passages are found by their words only: ${result.embeddingError}` : '';
  return `Parley: ${what} is in the knowledge base — ${parts.join(', ')}.${embedding}`;
}

async function addPath(ctx: Ctx, uri: vscode.Uri): Promise<void> {
  const { KbAddRequest } = loadClientLibrary();
  const label = vscode.workspace.asRelativePath(uri, false);
  ctx.log.info(`Adding ${uri.fsPath} to the knowledge base`);
  const result = await withServerProgress(ctx, `Parley: adding ${label} to the knowledge base`, (client, workDoneToken, token) =>
    client.sendRequest(KbAddRequest.type, { path: uri.fsPath, workDoneToken }, token),
  );
  for (const skipped of result.skipped) ctx.log.warn(`Knowledge base skipped ${skipped.path}: ${skipped.reason}`);
  const message = ingestSummary(label, result);
  ctx.log.info(message);
  if (result.embeddingError) void vscode.window.showWarningMessage(message);
  else void vscode.window.showInformationMessage(message);
}

export async function addFolderCommand(ctx: Ctx, given?: vscode.Uri): Promise<void> {
  const picked = given
    ? [given]
    : await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        openLabel: 'Add to Knowledge Base',
        title: 'Add a folder of notes (an Obsidian vault, Markdown docs)',
      });
  if (picked?.[0]) await addPath(ctx, picked[0]);
}

export async function addFileCommand(ctx: Ctx, given?: vscode.Uri): Promise<void> {
  const picked = given
    ? [given]
    : await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { Notes: ['md', 'markdown', 'txt'] },
        openLabel: 'Add to Knowledge Base',
        title: 'Add a note file',
      });
  if (picked?.[0]) await addPath(ctx, picked[0]);
}

export async function addSelectionCommand(ctx: Ctx): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const text = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
  if (!text.trim()) throw new Error('Select some text in an editor first; it becomes a note in the knowledge base.');
  const firstLine = text
    .trim()
    .split('\n')[0]!
    .replace(/^#+\s*/, '')
    .slice(0, 60);
  const title = await vscode.window.showInputBox({
    title: 'Title of the new note',
    value: firstLine,
    prompt: 'The selection is kept as a note with this title.',
  });
  if (title === undefined) return;
  const { KbAddNoteRequest } = loadClientLibrary();
  const added = await (await ctx.readyClient()).sendRequest(KbAddNoteRequest.type, { title, text });
  const choice = await vscode.window.showInformationMessage(`Parley: "${title}" is now a note in the knowledge base.`, 'Open Note');
  if (choice === 'Open Note') await vscode.window.showTextDocument(vscode.Uri.file(added.path));
}

export async function syncCommand(ctx: Ctx): Promise<void> {
  const { KbSyncRequest } = loadClientLibrary();
  const stats = await withServerProgress(ctx, 'Parley: syncing the knowledge base', (client, workDoneToken, token) =>
    client.sendRequest(KbSyncRequest.type, { workDoneToken }, token),
  );
  void vscode.window.showInformationMessage(`Parley: the knowledge base is in sync — ${stats.documents} documents, ${stats.chunks} passages.`);
}

export async function setVisibilityCommand(ctx: Ctx, given?: vscode.Uri): Promise<void> {
  const uri = given ?? vscode.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== 'file') throw new Error('Open a note of the knowledge base first, then set its visibility.');
  const items: (vscode.QuickPickItem & { value: Visibility })[] = [
    { label: 'Private', description: 'only you (the default)', value: 'private' },
    { label: 'Shared', description: 'your team, when a shared knowledge base is set up', value: 'shared' },
    { label: 'Public', description: 'anyone', value: 'public' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `Visibility of ${vscode.workspace.asRelativePath(uri)}` });
  if (!picked) return;
  const { KbSetVisibilityRequest } = loadClientLibrary();
  const { title } = await (await ctx.readyClient()).sendRequest(KbSetVisibilityRequest.type, { path: uri.fsPath, visibility: picked.value });
  void vscode.window.showInformationMessage(`Parley: "${title}" is now ${picked.value}.`);
}

function statsMarkdown(stats: KbStats): string {
  const when = (at: number | null) => (at ? new Date(at).toLocaleString() : 'never');
  return [
    '# Parley knowledge base',
    '',
    '| | |',
    '|---|---|',
    `| Documents | ${stats.documents} (${stats.byVisibility.private} private, ${stats.byVisibility.shared} shared, ${stats.byVisibility.public} public) |`,
    `| Passages | ${stats.chunks} (${stats.embedded} with vectors) |`,
    `| Embedder | ${stats.embedder} |`,
    `| Votes / corrections | ${stats.votes} / ${stats.corrections} |`,
    `| Last sync | ${when(stats.lastSyncAt)} |`,
    `| Database | ${stats.database} |`,
    '',
    '## Sources',
    '',
    ...stats.sources.map(
      (source) => `- ${source.kind} \`${source.path}\`: ${source.documents} documents, synced ${when(source.syncedAt)}${source.watching ? ', watched' : ''}`,
    ),
  ].join('\n');
}

/** The team hub's part of the stats: its figures, or why there are none. */
function teamMarkdown(answer: KbTeamStatsAnswer): string[] {
  if (answer.hub === null) return [];
  if ('unavailable' in answer) return ['', '## Team hub', '', `The team hub's figures are unavailable: ${answer.unavailable}.`];
  const { stats } = answer;
  return [
    '',
    `## Team hub: ${stats.team}`,
    '',
    `${answer.hub}`,
    '',
    '| | |',
    '|---|---|',
    `| Shared documents | ${stats.documents} |`,
    `| Passages | ${stats.passages} |`,
    `| Contributors | ${stats.contributors} |`,
    `| Votes / corrections | ${stats.votes} / ${stats.corrections} |`,
    `| Top categories | ${stats.topCategories.map((entry) => `${entry.category} (${entry.documents})`).join(', ') || 'none'} |`,
    `| Top contributors | ${stats.topContributors.map((entry) => `${entry.name} (${entry.documents})`).join(', ') || 'none credited'} |`,
  ];
}

export async function statsCommand(ctx: Ctx): Promise<void> {
  const { KbStatsRequest, KbTeamStatsRequest } = loadClientLibrary();
  const client = await ctx.readyClient();
  const [stats, team] = await Promise.all([client.sendRequest(KbStatsRequest.type), client.sendRequest(KbTeamStatsRequest.type)]);
  const content = [statsMarkdown(stats), ...teamMarkdown(team)].join('\n');
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content });
  await vscode.window.showTextDocument(document, { preview: true });
}

export async function contributionsCommand(ctx: Ctx): Promise<void> {
  const { KbContributionsRequest } = loadClientLibrary();
  const contributions = await (await ctx.readyClient()).sendRequest(KbContributionsRequest.type);
  if (contributions.length === 0) {
    void vscode.window.showInformationMessage(
      'Parley: no contributions yet. Vote on passages, correct them, tag notes or add selections from the Knowledge Base view.',
    );
    return;
  }
  const items = contributions.map((c) => ({
    label: `${c.kind}: ${c.title}`,
    description: new Date(c.createdAt).toLocaleString(),
    detail: c.detail,
    path: c.path,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: 'My contributions to the knowledge base', matchOnDetail: true });
  if (picked?.path) await vscode.window.showTextDocument(vscode.Uri.file(picked.path));
}

export async function removeSourceCommand(ctx: Ctx): Promise<void> {
  const { KbStatsRequest, KbRemoveSourceRequest } = loadClientLibrary();
  const stats = await (await ctx.readyClient()).sendRequest(KbStatsRequest.type);
  if (stats.sources.length === 0) throw new Error('The knowledge base has no folders or files yet.');
  const picked = await vscode.window.showQuickPick(
    stats.sources.map((source) => ({ label: source.path, description: `${source.kind}, ${source.documents} documents`, id: source.id })),
    { title: 'Remove from the knowledge base (the files stay where they are)' },
  );
  if (!picked) return;
  await (await ctx.readyClient()).sendRequest(KbRemoveSourceRequest.type, { sourceId: picked.id });
  void vscode.window.showInformationMessage(`Parley: ${picked.label} is no longer in the knowledge base.`);
}

/** Opens a note at a line, for the sidebar's results. Only existing note files are opened. */
export async function openNote(path: string, line: number): Promise<void> {
  if (!/\.(md|markdown|txt)$/i.test(path)) return;
  const position = new vscode.Position(Math.max(0, line), 0);
  await vscode.window.showTextDocument(vscode.Uri.file(path), { selection: new vscode.Range(position, position), preview: false });
}
