/**
 * Identifiers heard right: spoken questions that name real identifiers of a repository nobody here
 * wrote (the `ws` package's lib/, as npm installs it), made with espeak-ng in two voices at two
 * speeds, recognized by the offline recognizer (pocketsphinx, the only real recognizer on these
 * machines), then scored three ways: the identifier verbatim in the transcript as recognized (what
 * the model got before the mapping), its words in the transcript (what the recognizer could hear
 * at best), and the identifier after the mapping onto the workspace's vocabulary (identifiers.ts),
 * built as the editor builds it (the repository map around lib/websocket.js).
 *
 * The questions were written from the list of ws's function names before the mapping was tuned;
 * the first set was used while tuning, the second was not looked at until the figures were taken.
 */
import { join } from 'node:path';
import type { EditorState } from '../protocol/lsp';
import type { Logger } from '../server/log';
import { findProgram } from '../server/providers/programs';
import { PocketsphinxStt } from '../server/providers/stt/offline/pocketsphinx';
import type { SttEvent } from '../server/providers/stt/events';
import { RepoIndex } from '../server/repo';
import { mapIdentifiers, spokenParts } from '../server/voice/identifiers';
import { workspaceVocabulary } from '../server/voice/vocabulary';
import { REPO } from '../test/support/paths';
import { spoken, silence } from '../test/support/spoken';
import type { Row } from './stats';

/** [question as spoken, the identifier it names]. */
const TUNING: [string, string][] = [
  ['why does handle upgrade reject this request', 'handleUpgrade'],
  ['what does complete upgrade do after the handshake', 'completeUpgrade'],
  ['where is is valid status code used', 'isValidStatusCode'],
  ['explain send after close', 'sendAfterClose'],
  ['when is emit close called', 'emitClose'],
  ['what does abort handshake send to the client', 'abortHandshake'],
];
const HELD_OUT: [string, string][] = [
  ['what does to array buffer return', 'toArrayBuffer'],
  ['why is init as client so long', 'initAsClient'],
  ['who calls set close timer', 'setCloseTimer'],
  ['what happens in socket on close', 'socketOnClose'],
  ['open buffer util dot js', 'buffer-util.js'],
  ['when does receiver on message run', 'receiverOnMessage'],
];
/**
 * Questions that name nothing of ws, for names mapped where none was said. The first set showed
 * three false mappings (socket is closed → socketOnClose, the buffer → toBuffer, messages →
 * kMessage) with a 25 % distance, which is why it is 20 %. The second, written then and held out,
 * showed three more (extension → extension.js, receiver → receiver.js, subprotocol →
 * subprotocol.js), which is why a file's extension must be heard; the third was written then and
 * not looked at until the figures were taken.
 */
const PLAIN_UNSEEN = [
  'why does the websocket emit an error before it opens',
  'what happens if the handshake times out',
  'is the close code validated on the server',
  'how big can a single frame get',
  'why is the ping ignored after close',
  'where are the headers written',
  'can two servers share one port',
  'what does the limiter do with pending jobs',
  'is the socket kept alive',
  'does the client follow redirects',
];
const PLAIN_SEEN_LATER = [
  'why does the sender wait for the drain event',
  'is this extension negotiated on every connection',
  'what limits the number of concurrent deflate jobs',
  'does the server close idle sockets',
  'where is the payload length checked',
  'why do we mask frames from the client',
  'can the receiver handle fragmented text',
  'what does the event target wrapper add',
  'how is a subprotocol chosen',
  'when is the stream paused',
];
const PLAIN = [
  'why is this test failing',
  'what does this function return when the socket is closed',
  'can you make the server faster',
  'where do we handle the error',
  'is the buffer copied before it is sent',
  'what happens when the client sends a ping',
  'explain the close handshake',
  'how many messages can be queued',
  'should this upgrade be rejected',
  'what is the status code for a normal close',
];
const VOICES = [
  { voice: 'en-us', wpm: 140 },
  { voice: 'en-us', wpm: 180 },
  { voice: 'en-gb', wpm: 140 },
  { voice: 'en-gb', wpm: 180 },
];

interface Score {
  clips: number;
  verbatim: number;
  words: number;
  mapped: number;
  /** Names the mapping wrote that the question did not name. */
  wrong: number;
}

/** The vocabulary the editor would read with lib/websocket.js active and the server beside it. */
async function wsVocabulary(log: Logger): Promise<{ names: string[]; root: string }> {
  const root = join(REPO, 'node_modules', 'ws');
  const index = new RepoIndex(root, { poolSize: 1 });
  try {
    await index.refresh();
    const active = join(root, 'lib', 'websocket.js');
    const openFiles = [active, join(root, 'lib', 'websocket-server.js')];
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const state: EditorState = {
      workspaceFolders: [root],
      activeEditor: { path: active, languageId: 'javascript', lineCount: 1, selection: range, selectedText: '', visibleRange: range, visibleText: '' },
      openFiles,
      diagnostics: [],
    };
    const map = index.map({ tokens: 3_000, focus: ['lib/websocket.js', 'lib/websocket-server.js'] }).files;
    log.debug('ws vocabulary', { files: map.length });
    return { names: workspaceVocabulary({ state, map }), root };
  } finally {
    await index.dispose();
  }
}

async function transcribe(stt: PocketsphinxStt, pcm: Buffer): Promise<string> {
  const stream = await stt.open();
  const ended = new Promise<string>((resolve, reject) => {
    stream.on('event', (event: SttEvent) => {
      if (event.type === 'endOfTurn') resolve(event.text);
      else if (event.type === 'error') reject(event.error);
    });
  });
  stream.push(pcm);
  stream.endTurn('pushToTalk');
  try {
    return await ended;
  } finally {
    await stream.close();
  }
}

function letters(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

export async function identifierRows(log: Logger): Promise<{ rows: Row[]; notes: string[] }> {
  const program = findProgram('pocketsphinx_continuous');
  if (!program) throw new Error('pocketsphinx_continuous is not installed: run scripts/voice-env.sh (apt-get install pocketsphinx pocketsphinx-en-us).');
  const stt = new PocketsphinxStt({ program }, log);
  const { names } = await wsVocabulary(log);
  const notes: string[] = [`vocabulary: ${names.length} names from ws's repository map`];
  const rows: Row[] = [];
  // The mapping alone: the words as said, as a recognizer that heard every one would write them.
  for (const [label, questions] of [
    ['tuning set', TUNING],
    ['held-out set', HELD_OUT],
  ] as const) {
    const right = questions.filter(([question, identifier]) => mapIdentifiers(question, names).names.some((name) => name.name === identifier)).length;
    const verbatim = questions.filter(([question, identifier]) => question.includes(identifier)).length;
    rows.push({
      metric: `identifiers right, ${label} (${questions.length} questions), words as said, with the mapping`,
      median: Math.round((1000 * right) / questions.length) / 10,
      unit: '%',
      baseline: { name: 'without', median: Math.round((1000 * verbatim) / questions.length) / 10 },
    });
  }
  for (const [label, questions] of [
    ['seen while tuning', PLAIN],
    ['held out, then seen', PLAIN_SEEN_LATER],
    ['held out', PLAIN_UNSEEN],
  ] as const) {
    const misheard = questions.flatMap((question) => mapIdentifiers(question, names).names.map((name) => `"${question}" → ${name.name}`));
    rows.push({ metric: `names mapped in ${questions.length} questions that name none (${label})`, median: misheard.length, unit: 'names' });
    notes.push(...misheard.map((wrong) => `mapped where nothing was named (${label}): ${wrong}`));
  }
  // Then the same questions spoken and recognized.
  for (const [label, questions] of [
    ['tuning set', TUNING],
    ['held-out set', HELD_OUT],
  ] as const) {
    const score: Score = { clips: 0, verbatim: 0, words: 0, mapped: 0, wrong: 0 };
    for (const [question, identifier] of questions) {
      if (!names.includes(identifier)) notes.push(`${identifier} is not in the vocabulary`);
      for (const voice of VOICES) {
        const heard = await transcribe(stt, Buffer.concat([silence(0.3), spoken(question, voice), silence(0.5)]));
        const mapped = mapIdentifiers(heard, names);
        score.clips++;
        if (heard.includes(identifier)) score.verbatim++;
        if (letters(heard).includes(spokenParts(identifier).join(''))) score.words++;
        if (mapped.names.some((name) => name.name === identifier)) score.mapped++;
        score.wrong += mapped.names.filter((name) => name.name !== identifier).length;
        notes.push(`${label}, ${voice.voice} ${voice.wpm} wpm: "${question}" → "${heard}" → "${mapped.text}"`);
      }
    }
    const percent = (n: number) => Math.round((1000 * n) / score.clips) / 10;
    rows.push(
      {
        metric: `identifiers right, ${label} (${score.clips} clips), with the mapping`,
        median: percent(score.mapped),
        unit: '%',
        baseline: { name: 'without', median: percent(score.verbatim) },
      },
      { metric: `identifiers whose words the recognizer heard, ${label}`, median: percent(score.words), unit: '%' },
      { metric: `names mapped that were not said, ${label}`, median: score.wrong, unit: 'names' },
    );
  }
  return { rows, notes };
}
