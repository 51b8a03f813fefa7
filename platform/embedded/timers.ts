// Timers for the embedded platforms (QuickJS, Espruino): every
// Platform.setTimer lives in one small table and ONE host timer is armed at
// the earliest deadline (STYLE.md "arms only one real timer"). The host
// timer's callback is made once, so no closure is allocated per timer, and
// the host's timer handle stays opaque: QuickJS 2021-03-27 returns an object
// from os.setTimeout, later versions an integer (runtimes.md); callers only
// ever see our own integer ids.
//
// Deadlines are absolute milliseconds on the platform clock. A timer fires
// at or after its deadline, never before: a host that wakes early is
// re-armed for the rest.
//
// Espruino profile: plain arrays and fixed-shape records, no Map.

/** The one host timer: `arm` replaces whatever is armed. */
export interface HostTimer {
  arm(delayMs: number): void;
  disarm(): void;
}

interface TimerRecord {
  id_: number;
  deadline_: number;
  fire_: (target: unknown) => void;
  target_: unknown;
  /** Added while timers were firing: waits for the next wake-up. */
  fresh_: boolean;
}

export interface TimerList {
  /** Active timers, unordered (few: one per driver, one per association). */
  active_: TimerRecord[];
  /** Freed records for reuse. */
  spare_: TimerRecord[];
  nextId_: number;
  /** Deadline the host timer is armed for, -1 when not armed. */
  armed_: number;
  running_: boolean;
  closed_: boolean;
  now_: () => number;
  host_: HostTimer;
}

/** Longest host delay (setTimeout takes a signed 32-bit ms count); longer deadlines re-arm. */
const MAX_DELAY = 0x7fffffff;
/** Timers fired per host wake-up before yielding to the host loop. */
const MAX_FIRED = 256;

export function createTimerList(now: () => number, host: HostTimer): TimerList {
  return { active_: [], spare_: [], nextId_: 1, armed_: -1, running_: false, closed_: false, now_: now, host_: host };
}

function earliest(list: TimerList): number {
  const active = list.active_;
  let min = -1;
  for (let i = 0; i < active.length; i++) {
    const d = active[i].deadline_;
    if (min < 0 || d < min) min = d;
  }
  return min;
}

function rearm(list: TimerList): void {
  if (list.running_ || list.closed_) return;
  const deadline = earliest(list);
  if (deadline === list.armed_) return;
  if (list.armed_ >= 0) {
    list.armed_ = -1;
    list.host_.disarm();
  }
  if (deadline < 0) return;
  let delay = Math.ceil(deadline - list.now_());
  if (!(delay > 0)) delay = 0;
  else if (delay > MAX_DELAY) delay = MAX_DELAY;
  list.armed_ = deadline;
  list.host_.arm(delay);
}

/** Platform.setTimer: a positive id, never reused while the timer is active. */
export function addTimer(list: TimerList, deadline: number, fire: (target: unknown) => void, target: unknown): number {
  const id = list.nextId_;
  // Ids wrap long before 2^53; 0 is never an id.
  list.nextId_ = id >= 0x7fffffff ? 1 : id + 1;
  let record = list.spare_.pop();
  if (record === undefined) record = { id_: 0, deadline_: 0, fire_: fire, target_: null, fresh_: false };
  record.id_ = id;
  record.deadline_ = deadline >= 0 ? deadline : 0;
  record.fire_ = fire;
  record.target_ = target;
  record.fresh_ = list.running_;
  list.active_.push(record);
  rearm(list);
  return id;
}

function take(list: TimerList, index: number): TimerRecord {
  const active = list.active_;
  const record = active[index];
  active[index] = active[active.length - 1];
  active.pop();
  return record;
}

function release(list: TimerList, record: TimerRecord): void {
  record.target_ = null;
  if (list.spare_.length < 32) list.spare_.push(record);
}

/** Platform.clearTimer: unknown or fired ids are ignored. */
export function removeTimer(list: TimerList, id: number): void {
  const active = list.active_;
  for (let i = 0; i < active.length; i++) {
    if (active[i].id_ === id) {
      release(list, take(list, i));
      rearm(list);
      return;
    }
  }
}

/**
 * The host timer's callback: fires the due timers in deadline order, then
 * re-arms. Timers added while firing wait for the next wake-up (even when
 * already due), so a timer that re-arms itself at `now` cannot starve the
 * host loop. The first exception a callback throws is rethrown at the end.
 */
export function runTimers(list: TimerList): void {
  list.armed_ = -1;
  if (list.closed_ || list.running_) return;
  list.running_ = true;
  const now = list.now_();
  let thrown: unknown = null;
  let hasThrown = false;
  try {
    for (let fired = 0; fired < MAX_FIRED && !list.closed_; fired++) {
      const active = list.active_;
      let best = -1;
      for (let i = 0; i < active.length; i++) {
        const r = active[i];
        // Only timers that existed when this wake-up began.
        if (r.deadline_ > now || r.fresh_) continue;
        if (best < 0 || r.deadline_ < active[best].deadline_ || (r.deadline_ === active[best].deadline_ && r.id_ < active[best].id_)) best = i;
      }
      if (best < 0) break;
      const record = take(list, best);
      const fire = record.fire_;
      const target = record.target_;
      release(list, record);
      try {
        fire(target);
      } catch (e) {
        if (!hasThrown) {
          hasThrown = true;
          thrown = e;
        }
      }
    }
  } finally {
    list.running_ = false;
    const active = list.active_;
    for (let i = 0; i < active.length; i++) active[i].fresh_ = false;
  }
  rearm(list);
  if (hasThrown) throw thrown;
}

/** Drops every timer and disarms the host timer; nothing fires afterwards. */
export function closeTimers(list: TimerList): void {
  if (list.closed_) return;
  list.closed_ = true;
  list.active_.length = 0;
  list.spare_.length = 0;
  if (list.armed_ >= 0) {
    list.armed_ = -1;
    list.host_.disarm();
  }
}

/** Timers still active (diagnostics and tests). */
export function activeTimers(list: TimerList): number {
  return list.active_.length;
}

/**
 * A clock that never goes backwards: `read` may be a wall clock (Date.now
 * on QuickJS 2021-03-27, Espruino's getTime after setTime); a step back
 * holds the value until the clock catches up, so deadlines never fire early
 * by more than the step and never move into the past.
 */
export function createMonotonicClock(read: () => number): () => number {
  let last = -1;
  return function now(): number {
    const t = read();
    if (t > last) last = t;
    return last;
  };
}
