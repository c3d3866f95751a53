import { describe, expect, it } from "vitest";
import {
  canonicalContext,
  canonicalTaskId,
  InvalidContextError,
  keyOf,
  parseCanonicalContext,
  taskKey,
} from "../src/index.js";

describe("canonical context", () => {
  it("sorts keys at every depth and drops undefined, so equal contexts have one text", () => {
    const a = canonicalContext({ kind: "evm-ee-stf", start: { number: 1, hash: "0xaa" }, end: undefined });
    const b = canonicalContext({ start: { hash: "0xaa", number: 1 }, kind: "evm-ee-stf" });
    expect(a).toBe('{"kind":"evm-ee-stf","start":{"hash":"0xaa","number":1}}');
    expect(b).toBe(a);
  });

  it("round-trips through its canonical text", () => {
    const context = { kind: "checkpoint", index: 42, tags: ["a", "b"], flag: true, none: null };
    expect(parseCanonicalContext(canonicalContext(context))).toEqual(context);
  });

  it("rejects values without a single canonical text", () => {
    expect(() => canonicalContext({ kind: "x", f: 1.5 })).toThrow(/context.f must be a safe integer/);
    expect(() => canonicalContext({ kind: "x", big: 2 ** 60 })).toThrow(InvalidContextError);
    expect(() => canonicalContext({ kind: "x", d: new Date() as never })).toThrow(/plain data, got Date/);
  });

  it("refuses a context nested deeper than it may, before the stack runs out", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(() => canonicalContext({ kind: "x", a: deep as never })).toThrow(InvalidContextError);
    expect(() => canonicalContext({ kind: "x", a: deep as never })).toThrow(
      /^context\.a(\[0\]){31} nests deeper than 32 levels$/,
    );
    let fits: unknown = 1;
    for (let i = 0; i < 31; i++) fits = [fits];
    expect(canonicalContext({ kind: "x", a: fits as never })).toMatch(/^\{"a":\[{31}1\]{31},"kind":"x"\}$/);
  });

  it("refuses a non-canonical text when parsing", () => {
    expect(() => parseCanonicalContext('{"index":1,"kind":"checkpoint"} ')).toThrow(/not in canonical form/);
    expect(() => parseCanonicalContext('{"kind":"checkpoint","index":1}')).toThrow(/not in canonical form/);
  });
});

describe("task id", () => {
  it("keys a task by backend and context, deterministically", () => {
    const id = { context: { kind: "checkpoint", index: 1 }, backend: "native" };
    expect(canonicalTaskId(id)).toBe('native/{"index":1,"kind":"checkpoint"}');
    expect(taskKey(id)).toMatch(/^[0-9a-f]{32}$/);
    expect(taskKey(id)).toBe(taskKey({ backend: "native", context: { index: 1, kind: "checkpoint" } }));
    expect(taskKey(id)).not.toBe(taskKey({ ...id, backend: "sp1" }));
  });

  it("accepts a key or a TaskId wherever a task is named", () => {
    const id = { context: { kind: "checkpoint", index: 1 }, backend: "native" };
    expect(keyOf(taskKey(id))).toBe(taskKey(id));
    expect(keyOf(id)).toBe(taskKey(id));
    expect(() => keyOf("not-a-key")).toThrow(/is not a task key/);
  });
});
