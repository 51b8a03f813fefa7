// Handler callbacks of a transport, queued and delivered from a microtask:
// never from inside a public method (send/close/abort/connect) nor from
// inside a protocol library, and always in the order they happened.

import type { Association, AssociationHandler } from "../../core/driver/platform.js";

export const EVENT_UP = 0;
export const EVENT_MESSAGE = 1;
export const EVENT_DOWN = 2;

/** What the queue needs to know about an association. */
export interface EventSource extends Association {
  readonly handler: AssociationHandler;
  readonly target: unknown;
  remoteAddress: string;
  remotePort: number;
  /** abort() was called: messages still queued are not delivered. */
  aborted: boolean;
}

interface PendingEvent {
  kind: number;
  source: EventSource;
  stream: number;
  ppid: number;
  bytes: Uint8Array | null;
  reason: number;
}

export class EventQueue {
  private events: PendingEvent[] = [];
  private draining = false;
  private closed = false;

  up(source: EventSource): void {
    this.push(EVENT_UP, source, 0, 0, null, 0);
  }

  message(source: EventSource, stream: number, ppid: number, bytes: Uint8Array): void {
    this.push(EVENT_MESSAGE, source, stream, ppid, bytes, 0);
  }

  down(source: EventSource, reason: number): void {
    this.push(EVENT_DOWN, source, 0, 0, null, reason);
  }

  /** Drop what is queued; deliver nothing more. */
  close(): void {
    this.closed = true;
    this.events = [];
  }

  private push(kind: number, source: EventSource, stream: number, ppid: number, bytes: Uint8Array | null, reason: number): void {
    if (this.closed) return;
    this.events.push({ kind, source, stream, ppid, bytes, reason });
    if (!this.draining && this.events.length === 1) queueMicrotask(() => this.drain());
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    let thrown: unknown = null;
    let hasThrown = false;
    try {
      // Events queued by a handler (an abort from onMessage) join this round.
      for (let i = 0; i < this.events.length && !this.closed; i++) {
        const e = this.events[i];
        const s = e.source;
        try {
          if (e.kind === EVENT_UP) s.handler.onUp(s.target, s, [s.remoteAddress], s.remotePort);
          else if (e.kind === EVENT_MESSAGE) {
            if (!s.aborted) s.handler.onMessage(s.target, s, e.stream, e.ppid, e.bytes as Uint8Array);
          } else s.handler.onDown(s.target, s, e.reason);
        } catch (error) {
          // Keep delivering; the first exception surfaces after the round.
          if (!hasThrown) {
            hasThrown = true;
            thrown = error;
          }
        }
      }
    } finally {
      this.events = [];
      this.draining = false;
    }
    if (hasThrown) throw thrown;
  }
}
