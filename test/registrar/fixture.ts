// Scenario fixture for registrar tests: a VirtualNetwork with one registrar
// host and any number of PE / PU hosts, each party on its own platform and
// driver, and builders for the ASAP messages PEs and PUs send.

import { createDriver } from "../../core/driver/driver.js";
import type { Driver } from "../../core/driver/driver.js";
import { createRegistrar } from "../../core/registrar/index.js";
import type { Registrar, RegistrarConfig, RegistrarEvent } from "../../core/registrar/index.js";
import {
  ASAP_DEREGISTRATION,
  ASAP_ENDPOINT_UNREACHABLE,
  ASAP_HANDLE_RESOLUTION,
  ASAP_REGISTRATION,
  PARAM_SCTP_TRANSPORT,
  POLICY_ROUND_ROBIN,
  TRANSPORT_USE_DATA_ONLY,
  newAsapMessage,
  newPolicy,
  newPoolElement,
  newTransport,
  parseAddress,
} from "../../core/wire/index.js";
import type { AsapMessage, Policy } from "../../core/wire/index.js";
import { clientNode } from "../support/asap-client.js";
import type { ClientNode } from "../support/asap-client.js";
import { VirtualNetwork } from "../support/virtual-platform.js";
import type { VirtualNetworkOptions, VirtualPlatform } from "../support/virtual-platform.js";

export const OFFSETS = [0, 2 ** 32, 2 ** 52];
export const REGISTRAR_ADDRESS = "10.0.0.1";
export const ASAP_PORT = 3863;

export function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

export function bytesOf(value: Uint8Array | null): number[] {
  return value === null ? [] : Array.from(value);
}

export interface RegistrarNode {
  platform: VirtualPlatform;
  registrar: Registrar;
  driver: Driver<Registrar>;
  events: RegistrarEvent[];
  errors: number[];
}

export function registrarNode(platform: VirtualPlatform, options: Partial<RegistrarConfig> = {}): RegistrarNode {
  const registrar = createRegistrar({
    random: (into) => platform.random(into),
    asapAnnounce: false,
    ...options,
  });
  const events: RegistrarEvent[] = [];
  const errors: number[] = [];
  const driver = createDriver(platform, registrar, {
    onEvent: (_target, event: RegistrarEvent) => events.push(event),
    onError: (_target, code) => errors.push(code),
  });
  driver.run(() => registrar.start(platform.now()), null);
  return { platform, registrar, driver, events, errors };
}

export interface Scenario {
  network: VirtualNetwork;
  server: RegistrarNode;
  /** A client on a new host with the given addresses. */
  party(name: string, addresses: string[]): ClientNode;
  /** Connect a party to the registrar and wait until up; returns its association. */
  attach(node: ClientNode, localAddresses?: string[]): number;
  settle(maxSteps?: number): void;
}

export function scenario(
  options: Partial<RegistrarConfig> = {},
  startMs = 0,
  network: Partial<VirtualNetworkOptions> = {},
): Scenario {
  const net = new VirtualNetwork({ startMs, seed: 7, latencyMs: 2, ...network });
  net.addHost("registrar", [REGISTRAR_ADDRESS, "fd00::1"]);
  const server = registrarNode(net.createPlatform("registrar"), options);
  const s: Scenario = {
    network: net,
    server,
    party(name, addresses) {
      net.addHost(name, addresses);
      return clientNode(net.createPlatform(name));
    },
    attach(node, localAddresses = []) {
      let association = 0;
      node.run((c) => (association = c.connect([REGISTRAR_ADDRESS], ASAP_PORT, localAddresses)));
      net.runUntil(() => node.client.up.has(association) || node.client.downs.some((d) => d.association === association), 1000);
      if (!node.client.up.has(association)) throw new Error("association did not come up");
      return association;
    },
    settle(maxSteps = 10000) {
      // Deliver what is in flight (one latency), not the far future.
      net.advance(20, maxSteps);
    },
  };
  return s;
}

export function sctpTransport(addresses: string[], port = 9000): ReturnType<typeof newTransport> {
  return newTransport(
    PARAM_SCTP_TRANSPORT,
    port,
    TRANSPORT_USE_DATA_ONLY,
    addresses.map((a) => parseAddress(a) as Uint8Array),
  );
}

export function policy(type = POLICY_ROUND_ROBIN, fields: Partial<Policy> = {}): Policy {
  return { ...newPolicy(type), ...fields };
}

export function registration(
  handle: string,
  identifier: number,
  addresses: string[],
  pePolicy: Policy = policy(),
  life = 15000,
): AsapMessage {
  const m = newAsapMessage(ASAP_REGISTRATION);
  m.poolHandle = text(handle);
  m.poolElements.push(newPoolElement(identifier, 0, life, sctpTransport(addresses), pePolicy, null));
  return m;
}

export function deregistration(handle: string, identifier: number): AsapMessage {
  const m = newAsapMessage(ASAP_DEREGISTRATION);
  m.poolHandle = text(handle);
  m.peIdentifier = identifier;
  return m;
}

export function resolution(handle: string, items: number | null = null): AsapMessage {
  const m = newAsapMessage(ASAP_HANDLE_RESOLUTION);
  m.poolHandle = text(handle);
  m.items = items;
  return m;
}

export function unreachable(handle: string, identifier: number): AsapMessage {
  const m = newAsapMessage(ASAP_ENDPOINT_UNREACHABLE);
  m.poolHandle = text(handle);
  m.peIdentifier = identifier;
  return m;
}

/** Causes of the Operation Error of a message (empty when none). */
export function causes(m: AsapMessage | null | undefined): number[] {
  return m === null || m === undefined || m.error === null ? [] : m.error.causes.map((c) => c.code);
}

/** Identifiers of the PEs in a handle-resolution response. */
export function identifiers(m: AsapMessage | null | undefined): number[] {
  return m === null || m === undefined ? [] : m.poolElements.map((pe) => pe.identifier);
}
