/**
 * Provider keys live only in SecretStorage. They are entered in a password input and reach the
 * server as environment variables when it is spawned; nothing else in Parley sees them.
 */
import * as vscode from 'vscode';
import { KEY_VENDORS, KEY_VENDOR_IDS, type KeyVendor } from '../protocol/settings';

const secretName = (vendor: KeyVendor) => `parley.key.${vendor}`;

export class Secrets {
  constructor(private readonly storage: vscode.SecretStorage) {}

  /** The vendor key variables for the server's environment, from SecretStorage only. */
  async serverEnvironment(inherited: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
    const env = { ...inherited };
    // A key exported in the user's shell must not leak past SecretStorage into the server.
    for (const vendor of KEY_VENDOR_IDS) delete env[KEY_VENDORS[vendor].envVar];
    for (const vendor of KEY_VENDOR_IDS) {
      const key = await this.storage.get(secretName(vendor));
      if (key) env[KEY_VENDORS[vendor].envVar] = key;
    }
    return env;
  }

  async set(vendor: KeyVendor, key: string): Promise<void> {
    await this.storage.store(secretName(vendor), key);
  }

  async clear(vendor: KeyVendor): Promise<void> {
    await this.storage.delete(secretName(vendor));
  }

  async has(vendor: KeyVendor): Promise<boolean> {
    return (await this.storage.get(secretName(vendor))) !== undefined;
  }

  /** Fires when one of Parley's keys changes, so the server can be restarted with it. */
  onDidChange(listener: () => void): vscode.Disposable {
    return this.storage.onDidChange((event) => {
      if (event.key.startsWith('parley.key.')) listener();
    });
  }
}

async function pickVendor(secrets: Secrets, placeHolder: string): Promise<KeyVendor | undefined> {
  const items = await Promise.all(
    KEY_VENDOR_IDS.map(async (vendor) => ({ label: KEY_VENDORS[vendor].label, description: (await secrets.has(vendor)) ? 'key set' : 'no key', vendor })),
  );
  return (await vscode.window.showQuickPick(items, { placeHolder, ignoreFocusOut: true }))?.vendor;
}

export async function setApiKeyCommand(secrets: Secrets): Promise<void> {
  const vendor = await pickVendor(secrets, 'Which provider is the key for?');
  if (!vendor) return;
  const key = await vscode.window.showInputBox({
    title: `${KEY_VENDORS[vendor].label} API key`,
    prompt: 'Stored in VS Code secret storage; the Parley server restarts to use it.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() === '' ? 'Enter a key, or press Escape to cancel.' : /\s/.test(value.trim()) ? 'A key has no spaces.' : undefined),
  });
  if (key === undefined) return;
  await secrets.set(vendor, key.trim());
  void vscode.window.showInformationMessage(`Parley: ${KEY_VENDORS[vendor].label} key saved.`);
}

export async function clearApiKeyCommand(secrets: Secrets): Promise<void> {
  const vendor = await pickVendor(secrets, 'Which provider key should be removed?');
  if (!vendor) return;
  await secrets.clear(vendor);
  void vscode.window.showInformationMessage(`Parley: ${KEY_VENDORS[vendor].label} key removed.`);
}
