/**
 * What a user can say to the voice itself rather than to the model: "stop", "wait" and "go on",
 * "slower" and "faster", "repeat that". The server recognises them in what it hears (the whole
 * utterance, give or take "please" or "Parley") and acts at once, without a model; the panel lists
 * them in its help.
 */
export const VOICE_COMMANDS = {
  stop: {
    says: ['stop', 'stop it', 'stop talking', 'stop speaking', 'be quiet', 'quiet', 'enough', 'that is enough', "that's enough"],
    does: 'stops the answer',
  },
  wait: {
    says: ['wait', 'hold on', 'hang on', 'pause', 'one moment', 'one second', 'just a moment', 'just a second', 'wait a moment', 'wait a second'],
    does: 'pauses the answer',
  },
  goOn: { says: ['go on', 'carry on', 'continue', 'keep going', 'resume', 'go ahead'], does: 'resumes a paused answer' },
  slower: {
    says: ['slower', 'slow down', 'speak slower', 'talk slower', 'more slowly', 'speak more slowly', 'talk more slowly'],
    does: 'speaks slower, from now on',
  },
  faster: { says: ['faster', 'speed up', 'speak faster', 'talk faster', 'quicker', 'speak quicker'], does: 'speaks faster, from now on' },
  repeat: {
    says: ['repeat that', 'repeat', 'say that again', 'say it again', 'say again', 'come again', 'repeat the answer'],
    does: 'says the last answer again',
  },
} as const;

export type VoiceCommand = keyof typeof VOICE_COMMANDS;
export const VOICE_COMMAND_NAMES = Object.keys(VOICE_COMMANDS) as [VoiceCommand, ...VoiceCommand[]];

/** Playback rates "slower" and "faster" step through; 1 is the voice's own. */
export const SPEECH_RATES = [0.7, 0.8, 0.9, 1, 1.15, 1.3, 1.5] as const;

/** Words around a command that do not change it: "Parley, slower please", "a bit faster". */
const LEADING = ['parley', 'hey parley', 'okay', 'ok', 'please', 'um', 'uh', 'a bit', 'a little', 'bit', 'now'];
const TRAILING = ['please', 'now', 'thanks', 'thank you', 'a bit', 'a little', 'parley'];

const PHRASES = new Map<string, VoiceCommand>(
  (Object.entries(VOICE_COMMANDS) as [VoiceCommand, (typeof VOICE_COMMANDS)[VoiceCommand]][]).flatMap(([command, { says }]) =>
    says.map((phrase) => [phrase, command] as const),
  ),
);

/** The command `heard` is, when the whole of it is one ("Stop.", "slower, please"); otherwise undefined. */
export function voiceCommand(heard: string): VoiceCommand | undefined {
  let words = heard
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
  words = strip(strip(words, LEADING, 'start'), TRAILING, 'end');
  // "stop, stop": a command said twice is still the one command.
  const half = words.length / 2;
  if (words.length > 1 && Number.isInteger(half) && words.slice(0, half).join(' ') === words.slice(half).join(' ')) words = words.slice(0, half);
  return PHRASES.get(words.join(' '));
}

/** `words` without any of `fillers` at one end, as often as they come. */
function strip(words: string[], fillers: readonly string[], end: 'start' | 'end'): string[] {
  for (let again = true; again && words.length > 1;) {
    again = false;
    for (const filler of fillers) {
      const parts = filler.split(' ');
      const at = end === 'start' ? words.slice(0, parts.length) : words.slice(-parts.length);
      if (parts.length < words.length && at.join(' ') === filler) {
        words = end === 'start' ? words.slice(parts.length) : words.slice(0, -parts.length);
        again = true;
      }
    }
  }
  return words;
}

/** The rate one step slower or faster than `rate` (the nearest step when `rate` is between two), within SPEECH_RATES. */
export function nextSpeechRate(rate: number, command: 'slower' | 'faster'): number {
  const steps = SPEECH_RATES as readonly number[];
  if (command === 'slower') return [...steps].reverse().find((step) => step < rate - 1e-9) ?? steps[0]!;
  return steps.find((step) => step > rate + 1e-9) ?? steps.at(-1)!;
}
