/**
 * The client alone reads `parley.*`; the server pulls typed settings through this middleware.
 */
import * as vscode from 'vscode';
import type { ConfigurationParams, LanguageClientOptions } from 'vscode-languageclient/node';
import { SETTING_FIELDS } from '../protocol/settings';

type RawSettings = { [key: string]: unknown };

/**
 * Every setting the schema declares, at its place in ParleySettings. The values go as they are:
 * the server parses them with the schema, a malformed one falling back to its default with a
 * warning in Parley's log (server/settings.ts).
 */
export function readSettings(scope?: vscode.Uri): RawSettings {
  const config = vscode.workspace.getConfiguration('parley', scope);
  const settings: RawSettings = {};
  for (const { path, name } of SETTING_FIELDS) {
    let parent = settings;
    for (const key of path.slice(0, -1)) parent = (parent[key] ??= {}) as RawSettings;
    parent[path.at(-1)!] = config.get(name);
  }
  return settings;
}

type Middleware = NonNullable<LanguageClientOptions['middleware']>;

export const configurationMiddleware: Middleware = {
  workspace: {
    configuration: (params: ConfigurationParams) =>
      params.items.map((item) => (item.section === 'parley' ? readSettings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined) : null)),
  },
};
