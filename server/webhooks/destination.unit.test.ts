import { describe, expect, it } from "vitest";
import { guardedLookup, isAllowedWebhookAddress } from "./destination";

describe("isAllowedWebhookAddress", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "IPv6 loopback"],
    ["0.0.0.0", "unspecified"],
    ["::", "IPv6 unspecified"],
    ["10.0.0.1", "private 10/8"],
    ["172.16.0.1", "private 172.16/12"],
    ["172.31.255.255", "private 172.16/12"],
    ["192.168.1.1", "private 192.168/16"],
    ["169.254.169.254", "link-local (cloud metadata)"],
    ["100.64.0.1", "CGNAT"],
    ["100.127.255.254", "CGNAT"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["fc00::1", "unique local"],
    ["fd12:3456:789a::1", "unique local"],
    ["fe80::1", "IPv6 link-local"],
    ["ff02::1", "IPv6 multicast"],
    ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
    ["::ffff:10.0.0.1", "IPv4-mapped private"],
    ["::ffff:a9fe:a9fe", "IPv4-mapped link-local, hex form"],
    ["[::1]", "bracketed IPv6 loopback"],
    ["localhost", "not an address"],
    ["", "empty"],
    ["999.1.1.1", "malformed"],
  ])("refuses %s (%s)", (address) => {
    expect(isAllowedWebhookAddress(address)).toBe(false);
  });

  it.each([
    ["93.184.216.34"],
    ["8.8.8.8"],
    ["172.15.255.255"],
    ["172.32.0.1"],
    ["100.63.255.255"],
    ["100.128.0.1"],
    ["169.253.0.1"],
    ["11.0.0.1"],
    ["2606:4700:4700::1111"],
    ["2001:4860:4860::8888"],
    ["::ffff:8.8.8.8"],
  ])("allows public %s", (address) => {
    expect(isAllowedWebhookAddress(address)).toBe(true);
  });
});

describe("guardedLookup", () => {
  const run = (addrs: { address: string; family: number }[], options: { all?: boolean; family?: number }) =>
    new Promise<{ err: Error | null; address: unknown; family?: number }>((resolve) =>
      guardedLookup(async () => addrs)("merchant.example", options, (err, address, family) => resolve({ err, address, family })),
    );

  it("answers with the resolved addresses when all are public", async () => {
    const addrs = [{ address: "93.184.216.34", family: 4 }, { address: "2606:2800:220:1::1", family: 6 }];
    expect(await run(addrs, { all: true })).toEqual({ err: null, address: addrs, family: undefined });
    expect(await run(addrs, {})).toEqual({ err: null, address: "93.184.216.34", family: 4 });
    expect(await run(addrs, { family: 6 })).toEqual({ err: null, address: "2606:2800:220:1::1", family: 6 });
  });

  it("refuses when any resolved address is forbidden", async () => {
    const r = await run([{ address: "93.184.216.34", family: 4 }, { address: "127.0.0.1", family: 4 }], { all: true });
    expect(r.err?.message).toBe("destination not allowed: merchant.example resolves to 127.0.0.1");
  });
});
