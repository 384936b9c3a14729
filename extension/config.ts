/**
 * The client alone reads `parley.*`; the server pulls typed settings through this middleware.
 */
import * as vscode from 'vscode';
import type { ConfigurationParams, LanguageClientOptions } from 'vscode-languageclient/node';
import { STAGES, type ParleySettings } from '../protocol/settings';

export function readSettings(scope?: vscode.Uri): ParleySettings {
  const config = vscode.workspace.getConfiguration('parley', scope);
  const stage = (name: string) => ({
    provider: config.get<string>(`${name}.provider`),
    model: config.get<string>(`${name}.model`) ?? '',
    baseUrl: config.get<string>(`${name}.baseUrl`) ?? '',
  });
  // The server validates provider names again; here we only give the values their shape.
  const voice = {
    mode: config.get('voice.mode'),
    capture: config.get('voice.capture'),
    vadThreshold: config.get('voice.vadThreshold'),
    silenceMs: config.get('voice.silenceMs'),
    eagerEndOfTurn: config.get('voice.eagerEndOfTurn'),
  };
  const review = { exclude: config.get('review.exclude') };
  return { ...Object.fromEntries(STAGES.map((name) => [name, stage(name)])), llmFallbacks: config.get('llm.fallbacks'), voice, review } as unknown as ParleySettings;
}

type Middleware = NonNullable<LanguageClientOptions['middleware']>;

export const configurationMiddleware: Middleware = {
  workspace: {
    configuration: (params: ConfigurationParams) =>
      params.items.map((item) => (item.section === 'parley' ? readSettings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined) : null)),
  },
};
