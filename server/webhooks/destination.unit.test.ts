import { describe, expect, it } from "vitest";
import { addressAllowed, classifyAddress, destinationPolicy, guardedLookup, refusalFor, type DestinationPolicy } from "./destination";

describe("classifyAddress (ipaddr.js)", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["[::1]", "loopback"],
  ])("%s is loopback", (address) => {
    expect(classifyAddress(address)).toEqual({ kind: "loopback" });
  });

  it.each([
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["100.127.255.254", "carrierGradeNat"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.1", "reserved"],
    ["198.18.0.1", "reserved"],
    ["fc00::1", "uniqueLocal"],
    ["fd12:3456:789a::1", "uniqueLocal"],
    ["fe80::1", "linkLocal"],
    ["ff02::1", "multicast"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:a9fe:a9fe", "linkLocal"],
    ["64:ff9b::7f00:1", "rfc6052"], // NAT64 of 127.0.0.1
    ["64:ff9b::a9fe:a9fe", "rfc6052"], // NAT64 of 169.254.169.254
    ["2002:7f00:1::", "6to4"], // 6to4 of 127.0.0.1
    ["2001::1", "teredo"],
    ["2001:db8::1", "reserved"],
    ["::7f00:1", "ipv4Compatible"], // deprecated IPv4-compatible form of 127.0.0.1
  ])("%s is not public (%s)", (address, range) => {
    expect(classifyAddress(address)).toEqual({ kind: "non_public", range });
  });

  it.each([["93.184.216.34"], ["8.8.8.8"], ["172.15.255.255"], ["172.32.0.1"], ["100.63.255.255"], ["100.128.0.1"], ["169.253.0.1"], ["11.0.0.1"], ["2606:4700:4700::1111"], ["2001:4860:4860::8888"], ["::ffff:8.8.8.8"]])(
    "%s is public",
    (address) => {
      expect(classifyAddress(address)).toEqual({ kind: "public" });
    },
  );

  it.each([["localhost"], [""], ["999.1.1.1"], ["127.1"], ["0x7f000001"]])("%s is not an IP literal (URLs normalise numeric hosts first)", (address) => {
    expect(classifyAddress(address)).toBeNull();
  });
});

describe("destinationPolicy: the one rule", () => {
  const deployments = {
    "local default (no production keys)": { allowPrivateWebhookUrls: false, productionKeysConfigured: false },
    "production keys configured": { allowPrivateWebhookUrls: false, productionKeysConfigured: true },
    "ALLOW_PRIVATE_WEBHOOK_URLS=true": { allowPrivateWebhookUrls: true, productionKeysConfigured: true },
  };
  it("is public-only for every environment once production keys are configured; loopback only for local sandbox", () => {
    expect(destinationPolicy(deployments["local default (no production keys)"], "sandbox")).toBe("public_or_loopback");
    expect(destinationPolicy(deployments["local default (no production keys)"], "production")).toBe("public");
    expect(destinationPolicy(deployments["production keys configured"], "sandbox")).toBe("public");
    expect(destinationPolicy(deployments["production keys configured"], "production")).toBe("public");
    expect(destinationPolicy(deployments["ALLOW_PRIVATE_WEBHOOK_URLS=true"], "sandbox")).toBe("any");
    expect(destinationPolicy(deployments["ALLOW_PRIVATE_WEBHOOK_URLS=true"], "production")).toBe("any");
  });

  it("lets each policy reach what it says, and nothing else", () => {
    const cases: [DestinationPolicy, string, boolean][] = [
      ["public", "8.8.8.8", true],
      ["public", "127.0.0.1", false],
      ["public", "::1", false],
      ["public", "169.254.169.254", false],
      ["public_or_loopback", "127.0.0.1", true],
      ["public_or_loopback", "::ffff:127.0.0.1", true],
      ["public_or_loopback", "8.8.8.8", true],
      ["public_or_loopback", "169.254.169.254", false],
      ["public_or_loopback", "10.0.0.1", false],
      ["public_or_loopback", "64:ff9b::7f00:1", false],
      ["public_or_loopback", "0.0.0.0", false],
      ["any", "169.254.169.254", true],
    ];
    for (const [policy, address, allowed] of cases) expect([policy, address, addressAllowed(policy, address)]).toEqual([policy, address, allowed]);
  });
});

describe("refusalFor", () => {
  const resolveTo = (address: string) => async () => [{ address, family: address.includes(":") ? 6 : 4 }];
  it("refuses loopback names without asking a resolver, and names that resolve to a refused address", async () => {
    const noDns = async () => expect.fail("no resolution expected");
    expect((await refusalFor("public", "localhost.", noDns))?.message).toBe("destination not allowed: localhost. is a loopback name");
    expect((await refusalFor("public", "api.LOCALHOST", noDns))?.message).toBe("destination not allowed: api.LOCALHOST is a loopback name");
    expect((await refusalFor("public", "[::ffff:7f00:1]", noDns))?.message).toBe("destination not allowed: ::ffff:7f00:1 (loopback)");
    expect((await refusalFor("public", "hooks.example", resolveTo("127.0.0.1")))?.message).toBe("destination not allowed: hooks.example resolves to 127.0.0.1 (loopback)");
    expect((await refusalFor("public_or_loopback", "hooks.example", resolveTo("169.254.169.254")))?.message).toBe(
      "destination not allowed: hooks.example resolves to 169.254.169.254 (link-local (cloud metadata))",
    );
    expect(await refusalFor("public_or_loopback", "hooks.example", resolveTo("127.0.0.1"))).toBeNull();
    expect(await refusalFor("public", "hooks.example", resolveTo("93.184.216.34"))).toBeNull();
    expect(await refusalFor("any", "localhost", noDns)).toBeNull();
  });
});

describe("guardedLookup", () => {
  const run = (policy: DestinationPolicy, addrs: { address: string; family: number }[], options: { all?: boolean; family?: number }, host = "merchant.example") =>
    new Promise<{ err: Error | null; address: unknown; family?: number }>((resolve) =>
      guardedLookup(policy, async () => addrs)(host, options, (err, address, family) => resolve({ err, address, family })),
    );

  it("answers with the resolved addresses when all are allowed", async () => {
    const addrs = [{ address: "93.184.216.34", family: 4 }, { address: "2606:2800:220:1::1", family: 6 }];
    expect(await run("public", addrs, { all: true })).toEqual({ err: null, address: addrs, family: undefined });
    expect(await run("public", addrs, {})).toEqual({ err: null, address: "93.184.216.34", family: 4 });
    expect(await run("public", addrs, { family: 6 })).toEqual({ err: null, address: "2606:2800:220:1::1", family: 6 });
    expect(await run("public_or_loopback", [{ address: "127.0.0.1", family: 4 }], {})).toEqual({ err: null, address: "127.0.0.1", family: 4 });
  });

  it("refuses when any resolved address is refused, and loopback names under the public rule", async () => {
    const r = await run("public", [{ address: "93.184.216.34", family: 4 }, { address: "127.0.0.1", family: 4 }], { all: true });
    expect(r.err?.message).toBe("destination not allowed: merchant.example resolves to 127.0.0.1 (loopback)");
    const nat64 = await run("public_or_loopback", [{ address: "64:ff9b::a9fe:a9fe", family: 6 }], { all: true });
    expect(nat64.err?.message).toBe("destination not allowed: merchant.example resolves to 64:ff9b::a9fe:a9fe (NAT64)");
    const name = await run("public", [{ address: "93.184.216.34", family: 4 }], {}, "localhost.");
    expect(name.err?.message).toBe("destination not allowed: localhost. is a loopback name");
  });
});
