/**
 * The server's logger. Sensitive values may only travel under structured field names that are
 * redacted here, and key-shaped strings are masked wherever they appear, so nothing secret reaches
 * the LogOutputChannel, a transcript or a test artifact.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Writes one already-formatted line at a level. */
export type LogSink = (level: LogLevel, line: string) => void;

const SENSITIVE_FIELD = /key|token|secret|password|authorization|cookie/i;

/**
 * Key shapes masked in every log line. A log line is written at once, so this is a synchronous
 * pattern list rather than the full rule set that text bound for a model passes through
 * (secrets/redact.ts); it covers the same named shapes, and a test holds both to one list of keys:
 * vendor keys (sk-…, sk-ant-…, 40-hex Deepgram keys), AWS key ids, GitHub, GitLab, Slack, npm,
 * Google and Stripe tokens, Parley team hub tokens, private-key blocks, and bearer credentials.
 */
const KEY_SHAPED = new RegExp(
  [
    String.raw`\b(?:sk-[A-Za-z0-9_-]{16,}|[a-f0-9]{40}|(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|npm_[A-Za-z0-9]{36}|AIza[0-9A-Za-z_-]{35}|(?:sk|rk)_live_[0-9A-Za-z]{10,})\b`,
    String.raw`-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|$)`,
    String.raw`(Bearer|Token)\s+[A-Za-z0-9._~+/=-]{8,}`,
    // A team hub token may end in - or _, where \b does not hold.
    String.raw`\bphub_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])`,
  ].join('|'),
  'g',
);

export function redactText(text: string): string {
  return text.replace(KEY_SHAPED, (_match, scheme?: string) => (scheme ? `${scheme} [redacted]` : '[redacted]'));
}

export function redactFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [name, value] of Object.entries(fields)) {
    if (SENSITIVE_FIELD.test(name)) out[name] = '[redacted]';
    else if (typeof value === 'string') out[name] = redactText(value);
    else if (value instanceof Error) out[name] = redactText(value.message);
    else out[name] = value;
  }
  return out;
}

export function formatLine(message: string, fields?: LogFields): string {
  const text = redactText(message);
  if (!fields || Object.keys(fields).length === 0) return text;
  return `${text} ${JSON.stringify(redactFields(fields))}`;
}

export function createLogger(sink: LogSink): Logger {
  const at = (level: LogLevel) => (message: string, fields?: LogFields) => sink(level, formatLine(message, fields));
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** For the command line and tests: lines on stderr, so stdout stays clean for `--json`. */
export function stderrLogger(minLevel: LogLevel = 'warn'): Logger {
  const order: LogLevel[] = ['debug', 'info', 'warn', 'error'];
  return createLogger((level, line) => {
    if (order.indexOf(level) >= order.indexOf(minLevel)) process.stderr.write(`[${level}] ${line}\n`);
  });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The first problem a schema found, with where it is when it lies inside: `models.gpt-4.1.outputPerMTok: Invalid input`. */
export function schemaProblem(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  if (!issue) return 'is not valid';
  return `${issue.path.length ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}`;
}
