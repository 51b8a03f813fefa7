// Minimal declarations for the parts of the npm `sctp` package (1.0.0, no
// typings) that sctp-transport.ts uses. Its internals are reached on purpose:
// the adapter feeds packets to an Endpoint and intercepts its output.

declare module "sctp" {
  const sctp: {
    /** Mutates the module-global NET_SCTP parameters; returns them. */
    defaults(params?: Record<string, number | string>): Record<string, number | string>;
  };
  export default sctp;
}

declare module "sctp/lib/endpoint.js" {
  const Endpoint: new (options: {
    localPort: number;
    MIS?: number;
    OS?: number;
    a_rwnd?: number;
  }) => import("./sctp-transport.js").LibEndpoint;
  export default Endpoint;
}

declare module "sctp/lib/chunk.js" {
  const Chunk: new (chunkType: string, options: unknown) => import("./sctp-transport.js").LibChunk;
  export default Chunk;
}
