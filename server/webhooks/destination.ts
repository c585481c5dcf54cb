import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import type { Environment } from "../midtrans/gateway";

/**
 * Where a merchant webhook may go: the ONE rule, applied identically when an endpoint is saved,
 * when a test webhook is sent and at every delivery (docs/api.md, "Where webhooks may go").
 *
 * - `public`: public unicast addresses only (no loopback, private, link-local/metadata, NAT64,
 *   6to4, Teredo, unique-local, multicast, reserved, …: anything that could reach our own host
 *   or network, SSRF).
 * - `public_or_loopback`: also loopback, so a developer can receive sandbox webhooks on their laptop.
 * - `any`: no check (ALLOW_PRIVATE_WEBHOOK_URLS=true, e.g. an on-premises install or tests).
 */
export type DestinationPolicy = "public" | "public_or_loopback" | "any";

export interface DestinationConfig {
  allowPrivateWebhookUrls: boolean;
  /** Production Midtrans keys are configured: this deployment handles real money. */
  productionKeysConfigured: boolean;
}

/**
 * A deployment with production Midtrans keys refuses every non-public destination for EVERY
 * environment (a sandbox event must not become a way into the network of a live system); the
 * local default (no production keys) lets sandbox endpoints use loopback. Production endpoints
 * are always public-only. ALLOW_PRIVATE_WEBHOOK_URLS lifts the rule.
 */
export function destinationPolicy(config: DestinationConfig, environment: Environment): DestinationPolicy {
  if (config.allowPrivateWebhookUrls) return "any";
  if (environment === "sandbox" && !config.productionKeysConfigured) return "public_or_loopback";
  return "public";
}

export type AddressClass = { kind: "public" } | { kind: "loopback" } | { kind: "non_public"; range: string };

/**
 * Classifies an IP address with ipaddr.js (its special-purpose ranges follow IANA's registries).
 * IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it maps. null: not an IP literal.
 */
export function classifyAddress(address: string): AddressClass | null {
  const ip = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  if (isIP(ip) === 0) return null;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(ip);
  } catch {
    return null;
  }
  const range = parsed.range();
  if (range === "loopback") return { kind: "loopback" };
  if (range !== "unicast") return { kind: "non_public", range };
  // ipaddr.js files the deprecated IPv4-compatible ::a.b.c.d (::/96) under unicast; it embeds an
  // IPv4 address and is not a public destination either.
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0)) return { kind: "non_public", range: "ipv4Compatible" };
  return { kind: "public" };
}

/** True when `policy` lets a webhook reach this address. Anything that is not an IP literal is refused (fail closed). */
export function addressAllowed(policy: DestinationPolicy, address: string): boolean {
  if (policy === "any") return true;
  const c = classifyAddress(address);
  if (!c) return false;
  return c.kind === "public" || (c.kind === "loopback" && policy === "public_or_loopback");
}

/** `localhost`, `localhost.` and `*.localhost`: loopback by definition (RFC 6761), whatever a resolver says. */
export function isLoopbackName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return h === "localhost" || h.endsWith(".localhost");
}

const RANGE_WORDS: Record<string, string> = {
  loopback: "loopback",
  private: "private",
  linkLocal: "link-local (cloud metadata)",
  uniqueLocal: "unique-local",
  carrierGradeNat: "carrier-grade NAT",
  unspecified: "unspecified",
  broadcast: "broadcast",
  multicast: "multicast",
  reserved: "reserved",
  rfc6052: "NAT64",
  rfc6145: "IPv4-translated",
  "6to4": "6to4",
  teredo: "Teredo",
  ipv4Compatible: "IPv4-compatible",
  deprecatedSiteLocal: "site-local",
};

/** Why an address is refused, in words: "127.0.0.1 (loopback)". */
export function describeAddress(address: string): string {
  const c = classifyAddress(address);
  const range = !c ? "not an address" : c.kind === "public" ? "public" : c.kind === "loopback" ? "loopback" : c.range;
  return `${address} (${RANGE_WORDS[range] ?? range})`;
}

export const DESTINATION_NOT_ALLOWED = "destination not allowed";

export class DestinationNotAllowedError extends Error {
  readonly code = "EDESTINATION";
  constructor(readonly host: string, readonly address: string | null) {
    super(
      address === null
        ? `${DESTINATION_NOT_ALLOWED}: ${host} is a loopback name`
        : host === address
          ? `${DESTINATION_NOT_ALLOWED}: ${describeAddress(address)}`
          : `${DESTINATION_NOT_ALLOWED}: ${host} resolves to ${describeAddress(address)}`,
    );
    this.name = "DestinationNotAllowedError";
  }
}

export type ResolveAll = (host: string) => Promise<LookupAddress[]>;

export const resolveAll: ResolveAll = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (err, addrs) => (err ? reject(err) : resolve(addrs))));

/**
 * The first refusal for a host (a name or an IP literal, brackets allowed), or null when
 * `policy` lets a webhook go there. Names are resolved (every address must pass).
 */
export async function refusalFor(policy: DestinationPolicy, host: string, resolve: ResolveAll = resolveAll): Promise<DestinationNotAllowedError | null> {
  if (policy === "any") return null;
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (isIP(bare)) return addressAllowed(policy, bare) ? null : new DestinationNotAllowedError(bare, bare);
  if (policy === "public" && isLoopbackName(bare)) return new DestinationNotAllowedError(bare, null);
  const addrs = await resolve(bare);
  const bad = addrs.find((a) => !addressAllowed(policy, a.address));
  return bad ? new DestinationNotAllowedError(bare, bad.address) : null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that resolves every address and refuses the connection when
 * any of them is refused by `policy`. Checking at connect time (not before) closes the
 * DNS-rebinding gap between a check and the request.
 */
export function guardedLookup(policy: DestinationPolicy, resolve: ResolveAll = resolveAll) {
  return (host: string, options: { family?: number | string; all?: boolean }, callback: LookupCallback) => {
    if (policy === "public" && isLoopbackName(host)) return callback(new DestinationNotAllowedError(host, null), "");
    resolve(host).then(
      (addrs) => {
        const bad = addrs.find((a) => !addressAllowed(policy, a.address));
        if (bad) return callback(new DestinationNotAllowedError(host, bad.address), "");
        const fam = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : Number(options.family) || 0;
        const usable = fam ? addrs.filter((a) => a.family === fam) : addrs;
        if (usable.length === 0) return callback(Object.assign(new Error(`no IPv${fam} address for ${host}`), { code: "ENOTFOUND" }), "");
        if (options.all) return callback(null, usable);
        callback(null, usable[0].address, usable[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ""),
    );
  };
}
