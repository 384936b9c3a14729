/**
 * A JSGF grammar that limits pocketsphinx to a list of phrases. With its large general language
 * model pocketsphinx gets most words of a sentence wrong; told which phrases to expect (voice
 * commands), it picks the right one reliably.
 */

/** Lower-case words only: JSGF tokens must be dictionary words, so punctuation goes. */
export function normalizePhrase(phrase: string): string {
  return phrase
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function phraseGrammar(phrases: readonly string[]): string {
  const alternatives = [...new Set(phrases.map(normalizePhrase).filter(Boolean))];
  if (alternatives.length === 0) throw new Error('The phrase list for the offline recognizer is empty.');
  return `#JSGF V1.0;\ngrammar parley;\npublic <utterance> = ${alternatives.join(' | ')} ;\n`;
}
