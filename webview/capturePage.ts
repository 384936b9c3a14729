/**
 * The browser capture page (served by the server on 127.0.0.1): records the microphone, streams it
 * to the live WebSocket like the panel does, plays the answers, and shows what was heard.
 */
import { decodeAudioFrame, LIVE_TOKEN_PARAM, liveUrl, type ServerFrame } from '../protocol/live';
import { readServerFrame } from '../protocol/serverFrames';
import { MicrophoneCapture } from './audio/capture';
import { Playback } from './audio/playback';

const token = new URLSearchParams(location.search).get(LIVE_TOKEN_PARAM) ?? '';
const button = document.getElementById('toggle') as HTMLButtonElement;
const status = document.getElementById('status') as HTMLElement;
const partial = document.getElementById('partial') as HTMLElement;
const turns = document.getElementById('turns') as HTMLElement;
const playback = new Playback((report) => socket?.readyState === WebSocket.OPEN && socket.send(JSON.stringify(report)));
let socket: WebSocket | undefined;

const microphone = new MicrophoneCapture('/capture/worklet.js', {
  onFrame: (pcm) => socket?.readyState === WebSocket.OPEN && socket.send(new Uint8Array(pcm.buffer as ArrayBuffer, pcm.byteOffset, pcm.byteLength)),
  onLevel: () => undefined,
});

function show(frame: ServerFrame): void {
  if (frame.type === 'transcript') partial.textContent = frame.final ? '' : frame.text;
  else if (frame.type === 'turn') {
    const line = document.createElement('p');
    line.className = 'turn';
    line.textContent = `${frame.turn.role === 'user' ? 'You' : 'Parley'}: ${frame.turn.text}`;
    turns.append(line);
  } else if (frame.type === 'playback') playback.command(frame);
  else if (frame.type === 'capture') status.textContent = frame.state === 'listening' ? 'Listening' : `Not listening${frame.reason ? `: ${frame.reason}` : ''}`;
  else if (frame.type === 'notice') status.textContent = frame.message;
}

async function start(): Promise<void> {
  status.textContent = 'Starting…';
  await microphone.start();
  const opened = new WebSocket(liveUrl({ url: `ws://${location.host}/live`, token }));
  socket = opened;
  opened.binaryType = 'arraybuffer';
  opened.onopen = () => opened.send(JSON.stringify({ type: 'capture', action: 'start', source: 'webview' }));
  opened.onmessage = (event: MessageEvent) => {
    if (event.data instanceof ArrayBuffer) {
      const { pcm, sampleRate } = decodeAudioFrame(event.data);
      playback.play(pcm, sampleRate);
      document.body.dataset.receivedMs = String(Math.round(playback.receivedMs));
    } else if (typeof event.data === 'string') show(readServerFrame(event.data));
  };
  // Only a close the page did not ask for is news to the user.
  opened.onclose = () => {
    if (socket === opened) void stop('The connection to Parley closed; restart listening from VS Code.');
  };
  button.textContent = 'Stop listening';
}

async function stop(reason?: string): Promise<void> {
  const open = socket;
  socket = undefined;
  open?.close();
  await microphone.stop();
  playback.stop();
  button.textContent = 'Start listening';
  status.textContent = reason ?? 'Not listening';
}

button.addEventListener('click', () => {
  const action = microphone.active ? stop() : start();
  action.catch((error: unknown) => void stop(`The microphone could not start: ${error instanceof Error ? error.message : String(error)}`));
});
