/**
 * The real VS Code with Parley talking to a stand-in model: code-server with the packaged
 * extension, its LLM set to an OpenAI-compatible stand-in, open in Chromium. Auto-save is on, so an
 * edit the user applies reaches the disk without the test pressing keys in the editor.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startCodeServer, type CodeServer } from './codeserver';
import { DIST } from './paths';
import { startOpenAIStandIn } from './standins';
import { closeWorkbench, openWorkbench } from './workbench';

export interface ModelWorkbench {
  model: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  codeServer: CodeServer;
  page: Page;
  /** Closes the browser, code-server and the stand-in. */
  close(): Promise<void>;
}

export interface ModelWorkbenchOptions {
  /** The stand-in model's delay between streamed tokens. */
  interTokenMs: number;
  /** More user settings, merged over the model's and auto-save's. */
  settings?: Record<string, unknown>;
  /** Remote settings, where `machine-overridable` ones such as parley.hands.python take effect (CodeServerOptions.machineSettings). */
  machineSettings?: Record<string, unknown>;
}

export async function startModelWorkbench(workspace: string, { interTokenMs, settings, machineSettings }: ModelWorkbenchOptions): Promise<ModelWorkbench> {
  const model = await startOpenAIStandIn({ latency: { ttfbMs: 30, interTokenMs } });
  let codeServer: CodeServer | undefined;
  let page: Page | undefined;
  const close = async () => {
    if (page) await closeWorkbench(page);
    if (codeServer) await codeServer.stop();
    await model.close();
  };
  try {
    codeServer = await startCodeServer({
      vsix: join(DIST, 'parley.vsix'),
      workspace,
      settings: {
        'parley.llm.provider': 'openai-compatible',
        'parley.llm.baseUrl': model.baseURL,
        'parley.llm.model': 'local-coder',
        'files.autoSave': 'afterDelay',
        'files.autoSaveDelay': 200,
        ...settings,
      },
      machineSettings,
    });
    page = await openWorkbench(codeServer.url);
    return { model, codeServer, page, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
