/**
 * Playback in the webview. Audio goes to the client as binary frames and plays there at once,
 * gaplessly; the server keeps time the same way (a ClockSink) to know what has been heard when the
 * user cuts in, and tells the webview to pause, resume or stop.
 */
import { encodeAudioFrame } from '../../../protocol/live';
import type { LiveClient } from '../../live/server';
import { ClockSink } from './clockSink';

export class LiveSink extends ClockSink {
  constructor(private readonly client: LiveClient) {
    super();
  }

  override play(pcm: Int16Array, sampleRate: number): void {
    super.play(pcm, sampleRate);
    this.client.sendBinary(Buffer.from(encodeAudioFrame(pcm, sampleRate)));
  }

  override pause(): void {
    super.pause();
    this.client.send({ type: 'playback', action: 'pause' });
  }

  override resume(): void {
    super.resume();
    this.client.send({ type: 'playback', action: 'resume' });
  }

  override stop(): number {
    const played = super.stop();
    this.client.send({ type: 'playback', action: 'stop' });
    return played;
  }
}
