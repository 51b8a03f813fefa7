// Association ids for every transport of this process: the core keys its
// tables by id, so ids must be unique across sctp and tcp associations of one
// platform (core/driver/platform.ts). A process-wide counter is never reused.

let next = 1;

export function nextAssociationId(): number {
  return next++;
}
