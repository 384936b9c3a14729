/**
 * A session's time limit: a warning 5 minutes before the end and the end itself, on a clock the
 * caller gives (real timers in the server, a controlled clock in tests).
 */
export const WARNING_BEFORE_END_MS = 5 * 60_000;

export type SessionTimeState = 'running' | 'warning' | 'ended';

export interface TimerClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_CLOCK: TimerClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class SessionTimer {
  private handles: unknown[] = [];
  private endsAtMs: number | null = null;
  private current: SessionTimeState = 'running';

  /** `onChange` hears each new state, the first one included, with the end time (null without a limit). */
  constructor(
    private readonly clock: TimerClock,
    private readonly onChange: (state: SessionTimeState, endsAt: number | null) => void,
  ) {}

  get state(): SessionTimeState {
    return this.current;
  }

  get endsAt(): number | null {
    return this.endsAtMs;
  }

  /** Times a session that started at `startedAt` with `limitMs` (none when absent or 0), replacing what was timed before. */
  start(startedAt: number, limitMs: number | undefined): void {
    this.stop();
    this.endsAtMs = limitMs ? startedAt + limitMs : null;
    this.current = 'running';
    if (this.endsAtMs === null) return this.onChange('running', null);
    const left = this.endsAtMs - this.clock.now();
    if (left <= 0) return this.enter('ended');
    this.enter(left <= WARNING_BEFORE_END_MS ? 'warning' : 'running');
    if (left > WARNING_BEFORE_END_MS) this.handles.push(this.clock.setTimeout(() => this.enter('warning'), left - WARNING_BEFORE_END_MS));
    this.handles.push(this.clock.setTimeout(() => this.enter('ended'), left));
  }

  stop(): void {
    for (const handle of this.handles) this.clock.clearTimeout(handle);
    this.handles = [];
  }

  private enter(state: SessionTimeState): void {
    this.current = state;
    this.onChange(state, this.endsAtMs);
  }
}
