/**
 * Parley: Download Speech Model: the user picks one of the local recognizer's models (its size is
 * shown, and which are downloaded), and the server downloads it with progress and Cancel. Nothing
 * is downloaded otherwise. A cancelled or interrupted download resumes when run again.
 */
import * as vscode from 'vscode';
import type { SpeechModelInfo } from '../protocol/speechModels';
import { loadClientLibrary, type Ctx } from './ctx';
import { withServerProgress } from './progress';

type ModelPick = vscode.QuickPickItem & { model: SpeechModelInfo };

/** A request the user cancelled: vscode-languageclient rejects it with a CancellationError, or passes on RequestCancelled. */
function wasCancelled(error: unknown): boolean {
  return error instanceof vscode.CancellationError || (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === -32800);
}

export async function downloadSpeechModelCommand(ctx: Ctx): Promise<void> {
  const client = await ctx.readyClient();
  const { SpeechModelsRequest, SpeechModelDownloadRequest } = loadClientLibrary();
  const list = await client.sendRequest(SpeechModelsRequest.type);
  const picked = await vscode.window.showQuickPick<ModelPick>(
    list.models.map((model) => ({
      label: model.name,
      description: `${model.size}${model.inUse ? ' · in use' : model.installed ? ' · downloaded' : ''}`,
      detail: model.detail,
      model,
    })),
    {
      title: 'Download a speech model for the local recognizer (whisper.cpp)',
      placeHolder: `Which model? It is downloaded from ${list.source} and kept in ${list.dir}`,
    },
  );
  if (!picked) return;
  if (picked.model.installed) {
    void vscode.window.showInformationMessage(`Parley: ${picked.model.name} is already downloaded${picked.model.inUse ? ' and in use' : ''}.`);
    return;
  }
  try {
    const result = await withServerProgress(ctx, `Parley: downloading ${picked.model.name} (${picked.model.size})`, (server, workDoneToken, token) =>
      server.sendRequest(SpeechModelDownloadRequest.type, { name: picked.model.name, workDoneToken }, token),
    );
    ctx.log.info(`Speech model ${result.name} installed at ${result.path}`);
    void vscode.window.showInformationMessage(`Parley: ${result.message}`);
  } catch (error) {
    if (!wasCancelled(error)) throw error;
    void vscode.window.showInformationMessage(
      `Parley: the download of ${picked.model.name} was cancelled. What arrived is kept: run Parley: Download Speech Model again to resume from there.`,
    );
  }
}
