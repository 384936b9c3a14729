/**
 * What voice activity detection reports. Times named `…Ms` are stream time: milliseconds of audio
 * since the detector started (or was reset), not wall-clock time; `createdAt` is wall-clock ms.
 */

export type VadEvent =
  /** Speech confirmed (`minSpeechMs` voiced) at `atMs`; it began at `startMs`. */
  | { type: 'speechStart'; createdAt: number; startMs: number; paddedStartMs: number; atMs: number }
  /** Speech ended at `endMs`, confirmed `redemptionMs` of silence later at `atMs`. */
  | { type: 'speechEnd'; createdAt: number; startMs: number; endMs: number; atMs: number }
  /** One model frame: its speech probability and whether speech is in progress after it. */
  | { type: 'frame'; createdAt: number; startMs: number; endMs: number; probability: number; speaking: boolean };

type Payload<T extends VadEvent['type']> = Omit<Extract<VadEvent, { type: T }>, 'type' | 'createdAt'>;

/** Builds an event stamped with the wall-clock time it was created. */
export function vadEvent<T extends VadEvent['type']>(type: T, payload: Payload<T>): Extract<VadEvent, { type: T }> {
  return { type, createdAt: Date.now(), ...payload } as Extract<VadEvent, { type: T }>;
}
