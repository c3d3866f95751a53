import { describe, expect, it } from "vitest";
import { hostCheck, isLoopback } from "../src/loopback.js";

describe("isLoopback", () => {
  it("knows the loopback addresses and names", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) expect(isLoopback(host)).toBe(true);
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "example.com", "127.0.0.1.nip.io"]) {
      expect(isLoopback(host)).toBe(false);
    }
  });
});

describe("hostCheck", () => {
  it("on loopback, answers loopback names with or without a port", () => {
    const accepts = hostCheck("127.0.0.1");
    for (const header of ["127.0.0.1:4844", "localhost", "LOCALHOST:80", "[::1]:4844", "[::1]", undefined]) {
      expect(accepts(header), String(header)).toBe(true);
    }
  });

  it("on loopback, refuses any other name: a rebound page's requests carry its own", () => {
    const accepts = hostCheck("::1");
    for (const header of [
      "attacker.example",
      "attacker.example:4844",
      "127.0.0.1.nip.io:4844",
      "[::2]:1",
      // Loopback at the front, something else after: not a Host any browser sends.
      "127.0.0.1:4911@attacker.example",
      "localhost:80:81",
      "[::1]x",
      "[::1",
    ]) {
      expect(accepts(header), header).toBe(false);
    }
  });

  it("answers the names an operator adds (a local reverse proxy that keeps Host)", () => {
    const accepts = hostCheck("localhost", ["Prover.Internal"]);
    expect(accepts("prover.internal:443")).toBe(true);
    expect(accepts("other.internal")).toBe(false);
  });

  it("beyond loopback, answers any name: the token guards those servers", () => {
    expect(hostCheck("0.0.0.0")("attacker.example")).toBe(true);
  });
});
