// English text for the client's ERROR_* values, for hosts that print them.
// Kept out of the client bundle (core/client/index.ts): a device that only
// acts on the values does not carry the strings.

/** Constant English text of an ERROR_* value (core/client/events.ts). */
export function errorText(error: number): string {
  return (
    "ok,no registrar reachable,registrar timed out,pool not found,rejected by the registrar," +
    "lack of resources,no pool element reachable,closed"
  ).split(",")[error] || "unknown error";
}
