// Address text as reported to the core.

import net from "node:net";

/** "::ffff:1.2.3.4" (an IPv4 peer on a dual-stack socket) -> "1.2.3.4"; others unchanged. */
export function normalizeAddress(address: string): string {
  if (address.length > 7 && address.startsWith("::ffff:") && net.isIPv4(address.slice(7))) return address.slice(7);
  return address;
}
