/**
 * The map step of the model review: one request per module, answered as JSON and checked
 * strictly. A module whose request fails or whose answer is malformed gets an error of its own;
 * the other modules still count. Modules run a few at a time, most central first.
 */
import type { WorkspaceDiagnostic } from '../../../protocol/lsp';
import type { ReviewFinding } from '../../../protocol/review';
import { errorMessage, type Logger } from '../../log';
import type { LlmChat } from '../../providers/llm';
import { AnswerError, wholeAnswer } from '../../providers/llm/whole';
import { moduleOf } from '../findings/dependencies';
import type { RepoFacts } from '../findings/facts';
import { parseAnswer } from './answer';
import { modulePrompt, REVIEW_SYSTEM, type PromptBudget, type ReviewModule } from './prompt';

export interface ModuleReview {
  module: string;
  findings: ReviewFinding[];
  error?: string;
  /** "provider model" that answered. */
  model?: string;
}

export interface LlmReviewOptions {
  chat: LlmChat;
  facts: RepoFacts;
  modules: ReviewModule[];
  staticFindings: ReviewFinding[];
  /** Diagnostics with paths relative to the root. */
  diagnostics: WorkspaceDiagnostic[];
  budget: PromptBudget;
  concurrency?: number;
  log: Logger;
  signal?: AbortSignal;
  /** Called as each module finishes. */
  onModule?: (review: ModuleReview, done: number) => void;
}

const ANSWER_TOKENS = 2048;
const DEFAULT_CONCURRENCY = 2;

async function reviewModule(options: LlmReviewOptions, module: ReviewModule): Promise<ModuleReview> {
  const { facts, signal } = options;
  const inModule = (path: string) => moduleOf(path) === module.name;
  // A cycle through the module may be anchored in another one; its links name every step.
  const touches = (f: ReviewFinding) => inModule(f.file) || (f.related ?? []).some((location) => inModule(location.file));
  const user = await modulePrompt(
    facts,
    module,
    options.staticFindings.filter(touches),
    options.diagnostics.filter((d) => inModule(d.path)),
    options.budget,
  );
  const lines = new Map(facts.files.map((file) => [file.path, file.lines]));
  try {
    const answer = await wholeAnswer(options.chat, { system: REVIEW_SYSTEM, messages: [{ role: 'user', text: user }], maxTokens: ANSWER_TOKENS }, signal);
    return { module: module.name, findings: parseAnswer(answer.text, (path) => lines.get(path)), model: `${answer.provider} ${answer.model}` };
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const reason = error instanceof AnswerError ? `the model's answer was rejected: ${error.message}` : errorMessage(error);
    options.log.warn('The model review of a module failed', { module: module.name, error: reason });
    return { module: module.name, findings: [], error: reason };
  }
}

export async function reviewModules(options: LlmReviewOptions): Promise<ModuleReview[]> {
  const results = new Array<ModuleReview>(options.modules.length);
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < options.modules.length) {
      options.signal?.throwIfAborted();
      const index = next++;
      results[index] = await reviewModule(options, options.modules[index]!);
      options.onModule?.(results[index], ++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, options.modules.length) }, lane));
  return results;
}
