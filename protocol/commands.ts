/**
 * Every command Parley registers, declared once. A new command is: an entry here, its handler in
 * extension/commands.ts (the table there is typed by these names, so a missing one does not
 * compile), and, unless it is internal, its entry in package.json contributes.commands (a unit
 * test checks that list, the menus and the keybindings against this table).
 */
export const Commands = {
  openSession: 'parley.openSession',
  newSession: 'parley.newSession',
  toggleListening: 'parley.toggleListening',
  openCapturePage: 'parley.openCapturePage',
  downloadSpeechModel: 'parley.downloadSpeechModel',
  exportSession: 'parley.exportSession',
  setApiKey: 'parley.setApiKey',
  clearApiKey: 'parley.clearApiKey',
  showLog: 'parley.showLog',
  restartServer: 'parley.restartServer',
  kbAddFolder: 'parley.kb.addFolder',
  kbAddFile: 'parley.kb.addFile',
  kbAddSelection: 'parley.kb.addSelection',
  kbSync: 'parley.kb.sync',
  kbSetVisibility: 'parley.kb.setVisibility',
  kbStats: 'parley.kb.stats',
  kbContributions: 'parley.kb.contributions',
  kbRemoveSource: 'parley.kb.removeSource',
  connectHub: 'parley.hub.connect',
  review: 'parley.review',
  /** Run from the "Dismiss this finding" code action on a review finding (server/repo/fixes/actions.ts). */
  dismissFinding: 'parley.review.dismissFinding',
  restoreDismissedFindings: 'parley.review.restoreDismissed',
  /** The status-bar offer after a failed task, terminal command or save (extension/failureWatch.ts). */
  askAboutFailure: 'parley.askAboutFailure',
  analyzeClaudeSession: 'parley.logs.analyzeClaudeSession',
  openPastSession: 'parley.sessions.open',
  searchSessions: 'parley.sessions.search',
  exportPastSession: 'parley.sessions.export',
  deletePastSession: 'parley.sessions.delete',
  refreshSessions: 'parley.sessions.refresh',
  /** Run from the "Explain with Parley" code action the server offers (protocol/fixes.ts). */
  explainProblem: 'parley.explainProblem',
} as const;

export type CommandName = keyof typeof Commands;
export type CommandId = (typeof Commands)[CommandName];

/** Registered, but not offered in the command palette: they need arguments only their caller has. */
export const INTERNAL_COMMANDS: readonly CommandId[] = [Commands.explainProblem, Commands.dismissFinding];
