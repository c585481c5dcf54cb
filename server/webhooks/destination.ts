import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";

/**
 * Where a production webhook may not go: anything that reaches our own host or network
 * (SSRF). BlockList also matches IPv4-mapped IPv6 (::ffff:10.0.0.1) against the IPv4 rules.
 */
const forbidden = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], // "this network", incl. 0.0.0.0
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // CGNAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, incl. cloud metadata 169.254.169.254
  ["172.16.0.0", 12],
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, incl. broadcast 255.255.255.255
] as const) {
  forbidden.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 96], // unspecified ::, loopback ::1, deprecated IPv4-compatible ::a.b.c.d
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // deprecated site-local
  ["ff00::", 8], // multicast
] as const) {
  forbidden.addSubnet(net, prefix, "ipv6");
}

/**
 * True when a production webhook may be sent to this IP address. Pure; anything that is
 * not an IP literal is refused (fail closed).
 */
export function isAllowedWebhookAddress(address: string): boolean {
  const ip = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const family = isIP(ip);
  if (family === 0) return false;
  return !forbidden.check(ip, family === 4 ? "ipv4" : "ipv6");
}

export const DESTINATION_NOT_ALLOWED = "destination not allowed";

export class DestinationNotAllowedError extends Error {
  constructor(readonly host: string, readonly address: string) {
    super(host === address ? `${DESTINATION_NOT_ALLOWED}: ${address}` : `${DESTINATION_NOT_ALLOWED}: ${host} resolves to ${address}`);
    this.name = "DestinationNotAllowedError";
  }
}

export type ResolveAll = (host: string) => Promise<LookupAddress[]>;

export const resolveAll: ResolveAll = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (err, addrs) => (err ? reject(err) : resolve(addrs))));

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that resolves every address and refuses the connection when
 * any of them is forbidden. Checking at connect time (not before) closes the DNS-rebinding
 * gap between a check and the request.
 */
export function guardedLookup(resolve: ResolveAll = resolveAll) {
  return (host: string, options: { family?: number | string; all?: boolean }, callback: LookupCallback) => {
    resolve(host).then(
      (addrs) => {
        const bad = addrs.find((a) => !isAllowedWebhookAddress(a.address));
        if (bad) return callback(Object.assign(new DestinationNotAllowedError(host, bad.address), { code: "EDESTINATION" }), "");
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
