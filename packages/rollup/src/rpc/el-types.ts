import { fromHex, isHex } from "@paas/core/contracts";
import { z } from "zod";
import { hexBytesJson } from "../types/primitives.js";
import { headerJsonToRlp } from "./header-json.js";

/** Named blocks of the Ethereum JSON-RPC API. */
export type BlockTag = "latest" | "earliest" | "pending" | "safe" | "finalized";

/** A block by number, tag, or 32-byte hash. */
export type BlockRef = number | BlockTag | Uint8Array;

const quantityText = z
  .string()
  .regex(/^0x[0-9a-fA-F]+$/, "expected a 0x-prefixed hex quantity")
  .refine((text) => Number.isSafeInteger(Number.parseInt(text, 16)), "quantity exceeds 2^53 - 1");

/** An Ethereum quantity (`0x`-prefixed hex), as a safe integer. */
export const quantityJson = z.codec(quantityText, z.int().min(0), {
  decode: (text) => Number.parseInt(text, 16),
  encode: (value) => `0x${value.toString(16)}`,
});

const hash32Text = z.string().refine((text) => isHex(text, 32), "expected 0x-prefixed hex of 32 bytes");

/**
 * An EL block as `eth_getBlockBy*` serves it. Only the fields the rollup relies on are typed and
 * checked; `json` keeps the node's whole answer for the EVM package to rebuild the block from.
 */
export interface ElBlock {
  readonly number: number;
  readonly hash: Uint8Array;
  readonly parentHash: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly json: Readonly<Record<string, unknown>>;
}

export const ElBlockJson = z
  .looseObject({ number: quantityText, hash: hash32Text, parentHash: hash32Text, stateRoot: hash32Text })
  .transform(
    (raw): ElBlock => ({
      number: Number.parseInt(raw.number, 16),
      hash: fromHex(raw.hash),
      parentHash: fromHex(raw.parentHash),
      stateRoot: fromHex(raw.stateRoot),
      json: raw,
    }),
  );

/**
 * `debug_executionWitness` as reth and geth serve it: RLP trie nodes, contract codes, key
 * preimages and ancestor headers — RLP hex from reth, JSON header objects from geth (made RLP
 * here). Some node versions omit `keys`; it is not needed to execute.
 */
export const ExecutionWitnessJson = z.object({
  state: hexListJson(),
  codes: hexListJson(),
  keys: hexListJson().default([]),
  headers: headerListJson(),
});
export type ExecutionWitness = z.output<typeof ExecutionWitnessJson>;

/**
 * A list of items read as bytes by `read`, in one pass: witnesses hold thousands of items, and
 * zod's per-item codec machinery cost more than the decoding itself on the prover's event loop.
 * `read` answers the bytes, or why the item is refused.
 */
function byteListJson(read: (item: unknown) => Uint8Array | string) {
  return (
    z
      // Go writes an empty slice that was never allocated as `null` (geth's `codes` for a block that
      // runs no contract, say): an empty list.
      .preprocess(
        (value) => (value === null ? [] : value),
        z.custom<unknown[]>((value) => Array.isArray(value), "expected an array"),
      )
      .transform((items, ctx) => {
        const out: Uint8Array[] = new Array(items.length);
        for (const [index, item] of items.entries()) {
          const bytes = read(item);
          if (typeof bytes === "string") {
            ctx.addIssue({ code: "custom", message: bytes, path: [index] });
            return z.NEVER;
          }
          out[index] = bytes;
        }
        return out;
      })
  );
}

const hexBytes = (item: unknown): Uint8Array | undefined =>
  typeof item === "string" && isHex(item) ? new Uint8Array(Buffer.from(item.slice(2), "hex")) : undefined;

/** A list of hex byte strings. */
function hexListJson() {
  return byteListJson((item) => hexBytes(item) ?? "expected 0x-prefixed hex bytes");
}

/** Ancestor headers: each RLP hex (reth) or a JSON header object (geth), as RLP bytes. */
function headerListJson() {
  return byteListJson((item) => {
    const hex = hexBytes(item);
    if (hex !== undefined) return hex;
    const converted =
      typeof item === "object" && item !== null && !Array.isArray(item)
        ? headerJsonToRlp(item as Record<string, unknown>)
        : "is neither 0x-prefixed RLP hex nor a header object";
    return typeof converted === "string" ? `header ${converted}` : converted;
  });
}

/**
 * Raw bytes (e.g. `debug_getRawBlock`'s RLP). Some nodes answer a block they lack with `null`,
 * others with `0x`: both read as no bytes, for the caller to take as the block's absence.
 */
export const RawBytesJson = z.preprocess((value) => (value === null ? "0x" : value), hexBytesJson());
