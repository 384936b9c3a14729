/**
 * The review's static part: findings that need no model, from the repository index, git history
 * and the editor's diagnostics.
 *
 *   const facts = await gatherFacts(index, { signal });
 *   const findings = await staticFindings(facts, { diagnostics, signal });
 */
import type { WorkspaceDiagnostic } from '../../../protocol/lsp';
import type { ReviewFinding } from '../../../protocol/review';
import { dependencyCycles } from './cycles';
import { diagnosticFindings } from './diagnostics';
import type { RepoFacts } from './facts';
import { hotspots } from './hotspots';
import { oversizedFiles, oversizedFunctions } from './sizes';
import { todoClusters } from './todos';
import { untestedModules } from './untested';

export interface StaticOptions {
  /** The editor's diagnostics (absolute paths), from the extension. */
  diagnostics?: WorkspaceDiagnostic[];
  signal?: AbortSignal;
}

export async function staticFindings(facts: RepoFacts, options: StaticOptions = {}): Promise<ReviewFinding[]> {
  return [
    ...diagnosticFindings(facts.root, options.diagnostics ?? []),
    ...dependencyCycles(facts),
    ...hotspots(facts),
    ...(await untestedModules(facts)),
    ...oversizedFunctions(facts),
    ...oversizedFiles(facts),
    ...(await todoClusters(facts, options.signal)),
  ];
}

export { gatherFacts, type RepoFacts } from './facts';
export { moduleOf } from './dependencies';
export { diagnosticFindings, REVIEW_SOURCE, summarizeDiagnostics } from './diagnostics';
export { finding, SEVERITY_ORDER } from './finding';
