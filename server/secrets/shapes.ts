/**
 * Key shapes that secretlint's recommended rules do not carry (or carry only in their newest
 * format), as one more secretlint rule so
 * that they run, report and are tested the same way. Each pattern is the one gitleaks uses for
 * the shape (its `gcp-api-key`, `stripe-access-token` and `deepgram`-style rules), narrowed where
 * a bare match would hit ordinary code: a Deepgram key is 40 hex characters, like a git commit id,
 * so it counts only next to a word that says it is a key.
 */
import type { SecretLintRuleCreator, SecretLintSourceCode } from '@secretlint/types';

const SHAPES: { id: string; pattern: RegExp }[] = [
  // OpenAI and Anthropic keys of any generation (the preset knows only the current formats exactly).
  { id: 'VENDOR_SK_KEY', pattern: /\bsk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}/g },
  // secretlint's AWS rule wants the value right after `=` and a quote; written inside an escaped string it slips by.
  { id: 'AWS_SECRET_KEY', pattern: /(?<=\baws_?secret_?access_?key\W{1,8})[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi },
  { id: 'GOOGLE_API_KEY', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { id: 'STRIPE_KEY', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{10,99}\b/g },
  { id: 'KEYWORD_HEX_KEY', pattern: /(?<=\b(?:deepgram|api[_-]?key|token|secret)\w*["']?\s*[:=]\s*["']?)[a-f0-9]{40}\b/gi },
  { id: 'BEARER_CREDENTIAL', pattern: /(?<=\b(?:Bearer|Token)\s+)[A-Za-z0-9._~+/=-]{16,}/g },
  // A Parley team hub token (server/hub/users.ts): the prefix and 32 random bytes in base64url.
  { id: 'PARLEY_HUB_TOKEN', pattern: /\bphub_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g },
];

const messages = Object.fromEntries(SHAPES.map(({ id }) => [id, { en: () => `found a ${id.toLowerCase().replaceAll('_', ' ')}` }]));

export const PARLEY_SHAPES_RULE_ID = 'parley/key-shapes';

export const keyShapesRule: SecretLintRuleCreator = {
  messages,
  meta: { id: PARLEY_SHAPES_RULE_ID, type: 'scanner', recommended: true, supportedContentTypes: ['text'] },
  create(context) {
    const t = context.createTranslator(messages);
    return {
      file(source: SecretLintSourceCode) {
        for (const { id, pattern } of SHAPES) {
          for (const match of source.content.matchAll(pattern)) {
            const start = match.index;
            context.report({ message: t(id), range: [start, start + match[0].length] });
          }
        }
      },
    };
  },
};
