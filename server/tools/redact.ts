/**
 * Secrets never reach a model: values in .env-style files are masked, and key-shaped strings
 * anywhere are masked the same way the log masks them.
 */
import { basename } from 'node:path';
import { redactText } from '../log';

const ENV_FILE = /^\.env(\..+)?$|\.env$/;

export function redactForModel(path: string, text: string): string {
  const masked = ENV_FILE.test(basename(path)) ? text.replace(/^(\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=\s*).+$/gm, '$1[redacted]') : text;
  return redactText(masked);
}
