// Value types of the wire codec. Every record has a fixed shape (the same
// fields in the same order whatever the message) so engines keep one hidden
// class per kind. Absent optional values are null. Byte fields are
// Uint8Array views: decoded views point into the received buffer and stay
// valid only as long as the caller keeps that buffer unchanged.

/** An IP address: 4 bytes (IPv4) or 16 bytes (IPv6), network order. */
export type Address = Uint8Array;

/** DCCP, SCTP, TCP, UDP or UDP-Lite transport parameter (RFC 5354 s3.3-s3.7). */
export interface Transport {
  /** PARAM_DCCP_TRANSPORT ... PARAM_UDP_LITE_TRANSPORT */
  type: number;
  port: number;
  /** SCTP and TCP: TRANSPORT_USE_*; 0 for the others (their field is reserved). */
  transportUse: number;
  /** DCCP service code; 0 for the others. */
  serviceCode: number;
  addresses: Address[];
}

/**
 * Pool member selection policy (RFC 5354 s3.8, RFC 5356). Fields the policy
 * type does not carry are 0. Load, degradation and DPF values are fractions
 * of 0xffffffff; distance is in milliseconds.
 */
export interface Policy {
  type: number;
  weight: number;
  priority: number;
  load: number;
  loadDegradation: number;
  loadDpf: number;
  weightDpf: number;
  distance: number;
}

/** Pool Element parameter (RFC 5354 s3.11). */
export interface PoolElement {
  identifier: number;
  homeRegistrarIdentifier: number;
  /** Registration life in ms (signed 32-bit on the wire; -1 = infinite). */
  registrationLife: number;
  userTransport: Transport;
  policy: Policy;
  /** ASAP transport of the PE; present only in ENRP messages (RFC 5354 s3.10). */
  asapTransport: Transport | null;
}

/** Server Information parameter (RFC 5354 s3.10). */
export interface ServerInformation {
  serverIdentifier: number;
  transport: Transport;
}

/** A raw TLV as found on the wire (type with action bits, value bytes without padding). */
export interface RawParameter {
  type: number;
  value: Uint8Array;
}

/** One error cause of an Operation Error parameter (RFC 5354 s3.12). */
export interface ErrorCause {
  code: number;
  /**
   * Cause-specific information, raw, without the cause header. For 0x1 it is
   * the unrecognized TLV, for 0x2 the unrecognized message, for 0x3, 0x5, 0x7
   * the offending parameter.
   */
  info: Uint8Array;
  /** 0x1, 0x3, 0x5, 0x7: the carried parameter, when it parses. */
  parameter: RawParameter | null;
  /** 0x5 (and 0x3 with a policy): the carried policy decoded; 0x7 (and 0x3 with a transport): the transport. */
  policy: Policy | null;
  transport: Transport | null;
  /** 0x2: type and flags of the carried message. */
  messageType: number;
  messageFlags: number;
}

export interface OperationError {
  causes: ErrorCause[];
}

/** ENRP handle-table entry: a pool handle followed by its PEs (RFC 5353 s2.3). */
export interface PoolEntry {
  poolHandle: Uint8Array;
  poolElements: PoolElement[];
}

/** Any ASAP message (RFC 5352 s2.2). Fields a type does not carry are null or empty. */
export interface AsapMessage {
  type: number;
  flags: number;
  poolHandle: Uint8Array | null;
  /** REGISTRATION: exactly one; HANDLE_RESOLUTION_RESPONSE, BUSINESS_CARD: n. */
  poolElements: PoolElement[];
  /** HANDLE_RESOLUTION_RESPONSE overall policy; BUSINESS_CARD optional policy. */
  policy: Policy | null;
  /** PE Identifier parameter (DEREGISTRATION, *_RESPONSE, KEEP_ALIVE(_ACK), UNREACHABLE). */
  peIdentifier: number | null;
  /** ENDPOINT_KEEP_ALIVE, SERVER_ANNOUNCE. */
  serverIdentifier: number | null;
  /** SERVER_ANNOUNCE transports. */
  transports: Transport[];
  error: OperationError | null;
  cookie: Uint8Array | null;
  /** Handle Resolution Option items (0x803f), rsplib extension. */
  items: number | null;
}

/** Any ENRP message (RFC 5353 s2). */
export interface EnrpMessage {
  type: number;
  flags: number;
  senderServerIdentifier: number;
  receiverServerIdentifier: number;
  /** PRESENCE. */
  checksum: number | null;
  /** PRESENCE. */
  serverInformation: ServerInformation | null;
  /** LIST_RESPONSE. */
  serverInformations: ServerInformation[];
  /** HANDLE_TABLE_RESPONSE. */
  poolEntries: PoolEntry[];
  /** HANDLE_UPDATE. */
  updateAction: number | null;
  poolHandle: Uint8Array | null;
  poolElement: PoolElement | null;
  /** INIT_TAKEOVER, INIT_TAKEOVER_ACK, TAKEOVER_SERVER. */
  targetServerIdentifier: number | null;
  error: OperationError | null;
}
