// The session layer (PU<->PE sessions with the ASAP control channel:
// cookies, business cards, failover). It runs inside the client machine
// (core/client): commands are Client methods, results are ClientEvents.
export {
  SESSION_FREE,
  SESSION_RESOLVING,
  SESSION_CONNECTING,
  SESSION_UP,
  SESSION_WAITING,
} from "./session.js";
export type { ListenOptions, Session } from "./session.js";
