// Constructors for the fixed-shape wire records. The decoder builds its
// results with the same functions, so built and decoded records share one
// shape (same fields, same order) and compare deep-equal.

import type {
  Address,
  AsapMessage,
  EnrpMessage,
  ErrorCause,
  OperationError,
  Policy,
  PoolElement,
  PoolEntry,
  RawParameter,
  ServerInformation,
  Transport,
} from "./types.js";

export function newAsapMessage(type: number): AsapMessage {
  return {
    type: type,
    flags: 0,
    poolHandle: null,
    poolElements: [],
    policy: null,
    peIdentifier: null,
    serverIdentifier: null,
    transports: [],
    error: null,
    cookie: null,
    items: null,
  };
}

export function newEnrpMessage(type: number): EnrpMessage {
  return {
    type: type,
    flags: 0,
    senderServerIdentifier: 0,
    receiverServerIdentifier: 0,
    checksum: null,
    serverInformation: null,
    serverInformations: [],
    poolEntries: [],
    updateAction: null,
    poolHandle: null,
    poolElement: null,
    targetServerIdentifier: null,
    error: null,
  };
}

/** A policy of the given type with every value 0. */
export function newPolicy(type: number): Policy {
  return {
    type: type,
    weight: 0,
    priority: 0,
    load: 0,
    loadDegradation: 0,
    loadDpf: 0,
    weightDpf: 0,
    distance: 0,
  };
}

export function newTransport(type: number, port: number, transportUse: number, addresses: Address[]): Transport {
  return { type: type, port: port, transportUse: transportUse, serviceCode: 0, addresses: addresses };
}

export function newPoolElement(
  identifier: number,
  homeRegistrarIdentifier: number,
  registrationLife: number,
  userTransport: Transport,
  policy: Policy,
  asapTransport: Transport | null
): PoolElement {
  return {
    identifier: identifier,
    homeRegistrarIdentifier: homeRegistrarIdentifier,
    registrationLife: registrationLife,
    userTransport: userTransport,
    policy: policy,
    asapTransport: asapTransport,
  };
}

export function newServerInformation(serverIdentifier: number, transport: Transport): ServerInformation {
  return { serverIdentifier: serverIdentifier, transport: transport };
}

export function newRawParameter(type: number, value: Uint8Array): RawParameter {
  return { type: type, value: value };
}

/** An error cause with raw cause-specific information (empty when there is none). */
export function newErrorCause(code: number, info: Uint8Array): ErrorCause {
  return {
    code: code,
    info: info,
    parameter: null,
    policy: null,
    transport: null,
    messageType: 0,
    messageFlags: 0,
  };
}

export function newOperationError(causes: ErrorCause[]): OperationError {
  return { causes: causes };
}

export function newPoolEntry(poolHandle: Uint8Array, poolElements: PoolElement[]): PoolEntry {
  return { poolHandle: poolHandle, poolElements: poolElements };
}
