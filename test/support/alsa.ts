/**
 * Microphones for the real `arecord` on machines without a sound card. Each is a home folder
 * whose `.asoundrc` defines the default capture device; a recorder started with that HOME reads
 * it as it reads a user's.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pcmBytesFor } from '../../server/audio/pcm';
import { tempDir } from './paths';
import { Pacer } from './standins/pacing';

/**
 * arecord reads one period at a time, 125 ms unless told otherwise (a quarter of its 500 ms
 * buffer), and alsa-lib's file plugin hands back a whole period even when its input delivered
 * less, the rest being whatever the buffer held before. So the microphone is fed whole periods,
 * each in one write of at most PIPE_BUF bytes, which a pipe takes and gives back in one piece.
 */
const PERIOD_MS = 125;
const PERIOD_BYTES = pcmBytesFor(PERIOD_MS);

export interface VirtualMicrophone {
  /** The HOME to give the server, which passes it on to the recorder. */
  home: string;
  /** Plays 16 kHz mono s16le PCM at real-time pace; resolves once the last of it is played. */
  play(pcm: Buffer): Promise<void>;
  /** Closes the FIFO and removes the home. */
  close(): void;
}

/**
 * A microphone that hears what the test plays: the default capture device is ALSA's file plugin
 * over the null device, its samples replaced by what a FIFO delivers. When nothing is playing the
 * FIFO is empty and the recorder waits, as it waits for a sound card's next period. The home is a
 * temporary folder of its own rather than part of a workspace, where something listing or
 * indexing files could open the FIFO and take the audio.
 */
export function virtualMicrophone(): VirtualMicrophone {
  const { path: home, cleanup } = tempDir('microphone');
  const fifo = join(home, 'microphone.pcm');
  execFileSync('mkfifo', [fifo]);
  writeFileSync(join(home, '.asoundrc'), `pcm.!default {\n  type file\n  slave.pcm "null"\n  file "/dev/null"\n  infile "${fifo}"\n}\n`);
  // Read and write: opening does not wait for the recorder, and while this end is open the
  // recorder never reads end of file, after which the plugin would repeat stale samples as fast
  // as it can. Non-blocking: a recorder that stops reading fails the test instead of hanging it.
  const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  return {
    home,
    async play(pcm) {
      const whole = Buffer.concat([pcm, Buffer.alloc((PERIOD_BYTES - (pcm.length % PERIOD_BYTES)) % PERIOD_BYTES)]);
      const pacer = new Pacer({ ttfbMs: 0, interTokenMs: PERIOD_MS }, performance.now());
      for (let offset = 0; offset < whole.length; offset += PERIOD_BYTES) {
        await pacer.tick();
        try {
          writeSync(fd, whole, offset, PERIOD_BYTES);
        } catch (error) {
          throw new Error('The recorder is not reading the virtual microphone', { cause: error });
        }
      }
    },
    close() {
      closeSync(fd);
      cleanup();
    },
  };
}

/** A home whose default capture device is a sound card that is not there. */
export function absentMicrophone(dir: string): string {
  const home = join(dir, 'no-microphone');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.asoundrc'), 'pcm.!default {\n  type hw\n  card "NoMicrophone"\n}\n');
  return home;
}
