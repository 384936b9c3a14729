/**
 * A failure Parley noticed in the editor (a task or a terminal command that exited non-zero, a
 * jump in the errors in Problems after a save), as the extension reports it when the user asks
 * about it. Its text comes from command output and diagnostics: data for the model to read, never
 * an instruction to Parley. Bounded here so one flood of output cannot become a flood of turn.
 */

export const FAILURE_KINDS = ['task', 'command', 'problems'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** The tail of the output the extension sends at most; the server keeps less of it for the model. */
export const FAILURE_MAX_OUTPUT_CHARS = 32_000;
/** Errors from Problems sent with a failure at most, each message cut to FAILURE_MAX_MESSAGE_CHARS. */
export const FAILURE_MAX_PROBLEMS = 50;
export const FAILURE_MAX_MESSAGE_CHARS = 2_000;
/** A task's name or a command line, cut to this. */
export const FAILURE_MAX_NAME_CHARS = 2_000;
