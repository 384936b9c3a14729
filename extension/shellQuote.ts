/**
 * A command line for a POSIX shell (bash, zsh, sh, fish) from an argv, each word in single
 * quotes, so that the shell passes every word through as it is: no expansion, globbing or
 * splitting. Used only for Parley's own runner and its socket path, never for a model's command.
 */

/** One word in single quotes; a quote inside becomes `'\''` (close, escaped quote, reopen). */
export function posixQuote(word: string): string {
  return `'${word.replaceAll("'", String.raw`'\''`)}'`;
}

/** `env NAME=value … argv…`, or the argv alone without variables (`env` sets them in every such shell, fish too). */
export function posixCommandLine(argv: readonly string[], env: Record<string, string> = {}): string {
  const words = argv.map(posixQuote);
  const assignments = Object.entries(env).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a variable name: ${name}`);
    return posixQuote(`${name}=${value}`);
  });
  return assignments.length > 0 ? ['env', ...assignments, ...words].join(' ') : words.join(' ');
}
