// What createQuickJSPlatform needs from its host (types only).
//
// `QuickJSOs` is the part of QuickJS's `os` module it uses (import it as
// "os" on bellard's qjs, "qjs:os" on quickjs-ng). `QuickJSNet` is the
// native TCP binding (a C module, `rsp_net.so`, not written yet): non-blocking
// sockets as file descriptors, readiness through os.setReadHandler /
// os.setWriteHandler, and the calling conventions of os.read / os.write.
// Errors are returned as negative errno values; nothing here throws or
// blocks.

export interface QuickJSOs {
  /**
   * Calls `fn` once after `ms`. Returns a handle for clearTimeout: a timer
   * object on QuickJS 2021-03-27, an integer on later versions; the platform
   * treats it as opaque.
   */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Calls `fn` whenever `fd` is readable (level-triggered); null removes it. */
  setReadHandler(fd: number, fn: (() => void) | null): void;
  /** Calls `fn` whenever `fd` is writable (level-triggered); null removes it. */
  setWriteHandler(fd: number, fn: (() => void) | null): void;
  /** Monotonic milliseconds (bellard 2025-09-13, quickjs-ng); absent on 2021-03-27. */
  now?: () => number;
}

export interface QuickJSNet {
  /** The errno value of "would block" (EAGAIN / EWOULDBLOCK); read, write and accept return it negated. */
  readonly EAGAIN: number;
  /**
   * A non-blocking TCP socket connecting to `host`:`port` (numeric IPv4 or
   * IPv6 text), bound first to `localAddress` / `localPort` when given ("" /
   * 0 = any). Returns the fd, or -errno when the connect cannot start. The
   * connect completes when the fd becomes writable; socketError(fd) then
   * tells whether it succeeded.
   */
  tcpConnect(host: string, port: number, localAddress: string, localPort: number): number;
  /**
   * A non-blocking listening socket on `host` ("" = every address, dual
   * stack where the host has IPv6) and `port` (0 = ephemeral, see
   * localPort), SO_REUSEADDR set. Returns the fd or -errno.
   */
  tcpListen(host: string, port: number): number;
  /** A pending connection as a non-blocking fd; -EAGAIN when none is pending, other -errno on failure. */
  accept(fd: number): number;
  /**
   * Reads at most `length` bytes into `buffer` at `offset` (os.read's
   * convention). Returns the count, 0 at end of stream (the peer's FIN),
   * -EAGAIN when nothing is there, other -errno on failure (ECONNRESET ...).
   */
  read(fd: number, buffer: ArrayBuffer, offset: number, length: number): number;
  /** Writes at most `length` bytes from `buffer` at `offset`. Returns the count, -EAGAIN, or other -errno. */
  write(fd: number, buffer: ArrayBuffer, offset: number, length: number): number;
  /** shutdown(fd, SHUT_WR): FIN after what the kernel holds. */
  shutdown(fd: number): void;
  /** Closes the fd; `reset` sets SO_LINGER 0 first, so the peer sees RST. */
  close(fd: number, reset: boolean): void;
  /** SO_ERROR: 0 once a connect succeeded, else the errno. */
  socketError(fd: number): number;
  /** getsockname: the bound port (for tcpListen with port 0). */
  localPort(fd: number): number;
  /** getpeername: address text ("127.0.0.1", "::1") and port of a connected fd. */
  remoteAddress(fd: number): string;
  remotePort(fd: number): number;
}
