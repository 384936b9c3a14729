/**
 * The one place in the server that reads provider keys. The extension hands them over as
 * environment variables at spawn (from SecretStorage); the command line reads the vendors' usual
 * variables. Everything else asks this module whether a key is present, or for a key to use.
 */
import { KEY_VENDORS, type KeyVendor } from '../../protocol/settings';

export class Keys {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  has(vendor: KeyVendor): boolean {
    return this.get(vendor) !== undefined;
  }

  get(vendor: KeyVendor): string | undefined {
    const value = this.env[KEY_VENDORS[vendor].envVar]?.trim();
    return value ? value : undefined;
  }
}
