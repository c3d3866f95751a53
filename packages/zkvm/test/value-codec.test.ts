import { describe, expect, it } from "vitest";
import {
  decodeCommitted,
  decodeValue,
  encodeValue,
  PublicValuesReader,
  ValueCodecError,
} from "../src/index.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("canonical value encoding", () => {
  it("matches a hand-written vector, keys sorted", () => {
    const value = { f: Uint8Array.of(9), e: -1, d: true, c: null, b: [1n, -256n], a: "hé" };
    const expected = [
      "08 06000000", // object, 6 entries
      "01000000 61 05 03000000 68c3a9", // "a": string "hé"
      "01000000 62 07 02000000 04 00 01000000 01 04 01 02000000 0100", // "b": [1n, -256n]
      "01000000 63 00", // "c": null
      "01000000 64 02", // "d": true
      "01000000 65 03 ffffffffffffffff", // "e": -1 as i64
      "01000000 66 06 01000000 09", // "f": bytes
    ].join("");
    expect(hex(encodeValue(value))).toBe(expected.replaceAll(" ", ""));
    expect(decodeValue(encodeValue(value))).toEqual(value);
  });

  it("gives equal values one encoding whatever their key order", () => {
    expect(encodeValue({ b: 1, a: { y: 2, x: 3 } })).toEqual(encodeValue({ a: { x: 3, y: 2 }, b: 1 }));
  });

  it("round-trips the supported types, including edge values", () => {
    const values = [
      null,
      false,
      0,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      0n,
      -(2n ** 200n),
      "",
      "emoji 😀",
      new Uint8Array(),
      [],
      {},
      { __proto__key: 1, nested: [[[]], { deep: [null] }] },
    ];
    for (const value of values) expect(decodeValue(encodeValue(value))).toEqual(value);
    const proto = decodeValue(encodeValue(JSON.parse('{"__proto__": 5}'))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(["__proto__"]);
  });

  it("leaves out object keys whose value is undefined", () => {
    expect(decodeValue(encodeValue({ a: 1, b: undefined }))).toEqual({ a: 1 });
  });

  it("refuses values without a canonical encoding, naming the path", () => {
    const cases: [unknown, RegExp][] = [
      [1.5, /^value: the number 1.5 \(only safe integers; use a bigint\)/],
      [2 ** 53, /the number 9007199254740992/],
      [Number.NaN, /the number NaN/],
      [undefined, /^value: undefined cannot be encoded/],
      [{ list: [1, undefined] }, /^value.list\[1\]: undefined/],
      [{ when: new Date(0) }, /^value.when: a Date instance cannot be encoded/],
      [new Map(), /a Map instance/],
      [new Uint16Array(1), /a Uint16Array instance/],
      [() => 1, /a function/],
      ["\udc00", /a string with a lone surrogate/],
    ];
    for (const [value, message] of cases) {
      expect(() => encodeValue(value)).toThrow(message);
      expect(() => encodeValue(value)).toThrow(ValueCodecError);
    }
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => encodeValue(cycle)).toThrow(/nesting deeper than 64 levels \(a cycle\?\)/);
  });

  it("refuses non-canonical or broken bytes", () => {
    const bytes = (text: string) => Uint8Array.from(Buffer.from(text.replaceAll(" ", ""), "hex"));
    const cases: [string, RegExp][] = [
      ["09", /unknown tag 0x09/],
      ["03 0000000000002000", /outside the safe range/], // 2^53 as a number
      ["04 00 02000000 0001", /leading zero byte/],
      ["04 01 00000000", /bigint zero is marked negative/],
      ["04 02 01000000 01", /sign byte 2/],
      ["05 01000000 ff", /not valid UTF-8/],
      ["08 02000000 01000000 62 00 01000000 61 00", /key "a" is not after the previous key/],
      ["08 02000000 01000000 61 00 01000000 61 00", /key "a" is not after the previous key/],
      ["07 ffffffff", /array of 4294967295 items cannot fit/],
      ["05 05000000 6162", /value truncated: the string needs 5 bytes at offset 5, only 2 remain/],
      ["00 00", /1 trailing bytes after the value/],
    ];
    for (const [input, message] of cases) {
      expect(() => decodeValue(bytes(input))).toThrow(message);
      expect(() => decodeValue(bytes(input))).toThrow(ValueCodecError);
    }
  });
});

describe("public values", () => {
  it("reads commits back in order, raw bytes by length", () => {
    const publicValues = Uint8Array.from([...encodeValue({ n: 1 }), 0xde, 0xad, ...encodeValue("end")]);
    const reader = new PublicValuesReader(publicValues);
    expect(reader.read()).toEqual({ n: 1 });
    expect(reader.readBytes(2)).toEqual(Uint8Array.of(0xde, 0xad));
    expect(reader.read<string>()).toBe("end");
    expect(reader.remaining).toBe(0);
    reader.finish();
  });

  it("decodeCommitted refuses unread public values", () => {
    expect(decodeCommitted(encodeValue(7))).toBe(7);
    expect(() => decodeCommitted(Uint8Array.from([...encodeValue(7), 0]))).toThrow(
      /1 unread bytes at offset 9/,
    );
  });
});
