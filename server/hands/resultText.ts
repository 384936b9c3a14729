/**
 * The tool result a model reads for a command that ran (kept apart from run.ts so that the
 * terminal runner, which bundles run.ts, does not carry the secret scanner).
 */
import { redactSecrets } from '../secrets/redact';
import type { CommandResult, Outcome } from './run';

const OUTCOME_WORDS: Record<Outcome, string> = { ok: 'succeeded', error: 'failed', timeout: 'timed out', memory: 'ran out of memory', killed: 'was stopped' };

/**
 * The tool result a model reads: what happened in one line, then the end of the output, within
 * `maxChars` and with anything that looks like a secret redacted (command output is where a key
 * printed by a misconfigured script would land).
 */
export async function commandResultText(command: string, result: CommandResult, maxChars = 8_000): Promise<string> {
  const exit = result.signal ? `signal ${result.signal}` : `exit code ${result.exitCode}`;
  const head = `\`${command}\` ${OUTCOME_WORDS[result.outcome]} (${exit}, ${result.ms} ms)${result.reason ? `: ${result.reason}` : ''}.`;
  const dropped = result.truncatedBytes > 0 ? `\n(${result.truncatedBytes} bytes of earlier output left out)` : '';
  const room = Math.max(0, maxChars - head.length - dropped.length - 40);
  let output = (await redactSecrets(result.output)).trimEnd();
  const cut = output.length > room;
  if (cut) output = output.slice(output.length - room);
  const body = output.length > 0 ? `\nOutput${cut ? ' (last part)' : ''}:\n${output}` : '\nNo output.';
  return (head + dropped + body).slice(0, maxChars);
}
