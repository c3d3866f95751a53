import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { defineProgram, InputWriter, isProgram, ProgramDefinitionError, programIdOf } from "../src/index.js";
import { sumProgram } from "./fixtures/programs.js";

const sha256 = (...parts: Uint8Array[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};
const u64 = (n: number) => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(n), true);
  return bytes;
};

const base = {
  module: import.meta.url,
  writeInput() {},
  guest() {},
  readOutput: () => null,
};

describe("program ids", () => {
  it("are the tagged hash of the length-prefixed name and version", () => {
    const tag = sha256(new TextEncoder().encode("paas/zkvm/program-id/v1"));
    const text = (s: string) => new TextEncoder().encode(s);
    const expected = sha256(tag, tag, u64(8), text("test-sum"), u64(1), text("1"));
    expect(programIdOf("test-sum", "1")).toEqual(expected);
    expect(sumProgram.programId).toEqual(expected);
    expect(sumProgram.programIdHex).toBe(Buffer.from(expected).toString("hex"));
  });

  it("separate name from version and change with either", () => {
    expect(programIdOf("ab", "c")).not.toEqual(programIdOf("a", "bc"));
    expect(programIdOf("x", "1")).not.toEqual(programIdOf("x", "2"));
    expect(programIdOf("x", "1")).not.toEqual(programIdOf("y", "1"));
  });

  it("hand out copies, so the program's id cannot be changed", () => {
    sumProgram.programId.fill(0);
    expect(sumProgram.programId).toEqual(programIdOf("test-sum", "1"));
  });
});

describe("defineProgram", () => {
  it("makes a branded core ProgramDescriptor with a default proof type", () => {
    const program = defineProgram({ ...base, name: "test-defaults", version: "1" });
    expect(program).toMatchObject({ name: "test-defaults", version: "1", proofType: "compressed" });
    expect(isProgram(program)).toBe(true);
    expect(isProgram({ name: "test-defaults", version: "1" })).toBe(false);
  });

  it("refuses bad names, versions, proof types, modules and hooks", () => {
    const cases: [object, RegExp][] = [
      [{ name: "", version: "1" }, /program name "" must be 1 to 128 bytes/],
      [{ name: "a\nb", version: "1" }, /without control characters/],
      [{ name: "ok", version: "v".repeat(257) }, /program version .* must be 1 to 256 bytes/],
      [{ name: "ok", version: "1", proofType: "plonk" }, /proof type "plonk" is unknown/],
      [
        { name: "ok", version: "1", module: "./programs.ts" },
        /module must be the defining module's import.meta.url/,
      ],
      [{ name: "ok", version: "1", guest: "no" }, /guest must be a function/],
    ];
    for (const [fields, message] of cases) {
      const define = () =>
        defineProgram({ ...base, ...fields } as unknown as Parameters<typeof defineProgram>[0]);
      expect(define).toThrow(message);
      expect(define).toThrow(ProgramDefinitionError);
    }
  });

  it("refuses one name and version defined by two modules, but allows a module to be evaluated again", () => {
    defineProgram({ ...base, name: "test-conflict", version: "1" });
    expect(() => defineProgram({ ...base, name: "test-conflict", version: "1" })).not.toThrow();
    expect(() =>
      defineProgram({
        ...base,
        name: "test-conflict",
        version: "1",
        module: "file:///elsewhere/programs.ts",
      }),
    ).toThrow(/defined in both .*program.test.ts and file:\/\/\/elsewhere\/programs.ts/);
  });
});

describe("input writer", () => {
  it("frames items as [kind u8][len u32 LE][payload]", () => {
    const writer = new InputWriter().write(null).writeBytes(Uint8Array.of(7, 8));
    expect(writer.itemCount).toBe(2);
    expect(Buffer.from(writer.toBytes()).toString("hex")).toBe("010100000000" + "02020000000708");
  });

  it("appends items framed by another writer as the same bytes, counting them", () => {
    const direct = new InputWriter()
      .write({ a: 1 })
      .writeBytes(Uint8Array.of(1, 2, 3))
      .write("z");
    const part = new InputWriter()
      .writeBytes(Uint8Array.of(1, 2, 3))
      .write("z")
      .framed();
    const spliced = new InputWriter().write({ a: 1 }).writeFramed(part);
    expect(part.count).toBe(2);
    expect(spliced.itemCount).toBe(3);
    expect(spliced.toBytes()).toEqual(direct.toBytes());
  });

  it("gives the same bytes when large items and framed parts are held until toBytes, and copies what callers keep", () => {
    const big = new Uint8Array(10_000).fill(9);
    const items = { list: [new Uint8Array(6_000).fill(1), Uint8Array.of(2)] };
    const direct = new InputWriter().write(items).writeBytes(big).write("tail");
    const part = new InputWriter().writeBytes(big).write("tail").framed();
    const spliced = new InputWriter().write(items).writeFramed(part);
    const bytes = spliced.toBytes();
    expect(bytes).toEqual(direct.toBytes());
    // The caller's bytes after writing them, and its framed part after toBytes, are its own.
    big.fill(0);
    expect(direct.toBytes()).toEqual(bytes);
    bytes.fill(0);
    expect(new InputWriter().write(items).writeFramed(part).toBytes()).toEqual(direct.toBytes());
  });

  it("names the input item a value cannot be encoded in", () => {
    const writer = new InputWriter().write(1);
    expect(() => writer.write({ at: 1.5 })).toThrow(/^input item 1.at: the number 1.5/);
  });
});
