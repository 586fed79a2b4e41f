import type { ConnectionState } from '../lib/index.js';

/** The status line for a connection state; `countdown` ticks while reconnecting. */
export function describeState(state: ConnectionState, now: number): { label: string; countdown: string } {
  switch (state.state) {
    case 'connecting':
      return { label: state.attempt > 0 ? `Connecting (attempt ${state.attempt + 1})…` : 'Connecting…', countdown: '' };
    case 'open':
      return { label: 'Connected', countdown: '' };
    case 'reconnecting': {
      const label = `Disconnected, reconnecting (attempt ${state.attempt})`;
      if (state.at === undefined) return { label, countdown: '' };
      const seconds = Math.max(0, state.at - now) / 1000;
      return { label, countdown: `next try in ${seconds.toFixed(1)} s` };
    }
    case 'closed':
      return { label: 'Not connected', countdown: '' };
  }
}

export function formatData(data: unknown): string {
  return typeof data === 'string' ? data : JSON.stringify(data);
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleTimeString();
}
