/** Text → speech-ready clauses, and back from played audio to the text that was heard. */
export { ClauseSplitter, CODE_HINT, TABLE_HINT, DEFAULT_BOUNDARY_RULES, type ClauseSplitterOptions } from './clauses';
export { speakable, INLINE_CODE_MAX_CHARS, LONG_INLINE_CODE_HINT } from './inline';
export { hasSpeech, splitLong } from '../../providers/tts/text';
export { heardText, type Heard, type SpokenSegment } from './heard';
