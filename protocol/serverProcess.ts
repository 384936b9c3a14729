/**
 * How the extension starts the language server's Node process. The server holds a repository's
 * index for as long as the editor is open, and V8's default young generation lets a burst of
 * short-lived objects (a full index build parses thousands of files) grow the process by about
 * 100 MB that it keeps. Capping each semi-space at 4 MB keeps a cold build of a 3,700-file
 * repository under 300 MB at the cost of more, shorter scavenges (bench/README.md, "Repository
 * map"). The flags live in serverNodeFlags.json so that the benchmark runner (plain JavaScript)
 * starts its suites with the same ones.
 */
import flags from './serverNodeFlags.json';

export const SERVER_NODE_FLAGS: readonly string[] = flags;
