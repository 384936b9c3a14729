/**
 * Secrets never reach a model: every value in a dotenv-like file is masked here, where the file's
 * name is still known, and key-shaped strings anywhere are masked the way the log masks them. On
 * the way out, every request to a model passes the full rule set as well (secrets/redact.ts).
 */
import { basename } from 'node:path';
import { redactText } from '../log';

/**
 * Files whose values are secrets by convention, whatever they look like: dotenv files (`.env`,
 * `.env.local`, `prod.env`), direnv's `.envrc`, Flask's `.flaskenv`, and the credential files of
 * npm, pip, AWS and netrc.
 */
const DOTENV_LIKE = /^\.env(\..+)?$|\.env$|^\.envrc$|^\.flaskenv$|^\.npmrc$|^\.pypirc$|^\.netrc$|^_netrc$|^credentials$/;
const ASSIGNMENT = /^(\s*(?:export\s+)?[A-Za-z_./:@-][A-Za-z0-9_./:@-]*\s*[=:]\s*).+$/gm;
const NETRC_SECRET = /\b(password|passwd|account)(\s+)\S+/g;

export function isDotenvLike(path: string): boolean {
  return DOTENV_LIKE.test(basename(path));
}

export function redactForModel(path: string, text: string): string {
  const masked = isDotenvLike(path) ? text.replace(ASSIGNMENT, '$1[redacted]').replace(NETRC_SECRET, '$1$2[redacted]') : text;
  return redactText(masked);
}
