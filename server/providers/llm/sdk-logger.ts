/**
 * The vendor SDKs log through `console` unless given a logger; this hands their lines to Parley's
 * logger instead, so they reach the log channel and pass its redaction like everything else.
 */
import { errorMessage, type Logger } from '../../log';

type LogFn = (message: string, ...rest: unknown[]) => void;

/** The logger shape both the Anthropic and the OpenAI SDK accept. */
export interface SdkLogger {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
}

function line(vendor: string, message: string, rest: unknown[]): string {
  const extra = rest.map((value) => (typeof value === 'string' ? value : value instanceof Error ? errorMessage(value) : safeJson(value)));
  return [`${vendor} SDK: ${message}`, ...extra].join(' ').slice(0, 2_000);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function sdkLogger(vendor: string, log: Logger): SdkLogger {
  return {
    error: (message, ...rest) => log.error(line(vendor, message, rest)),
    warn: (message, ...rest) => log.warn(line(vendor, message, rest)),
    info: (message, ...rest) => log.info(line(vendor, message, rest)),
    debug: (message, ...rest) => log.debug(line(vendor, message, rest)),
  };
}
