import { RLP } from "@ethereumjs/rlp";
import { keccak_256 } from "@noble/hashes/sha3.js";

/**
 * A block header as geth's JSON-RPC writes it (`debug_executionWitness` gives ancestor headers as
 * such objects, reth as RLP hex), turned into the RLP the executor reads. Fields in the order of
 * the header's RLP list; those after `nonce` were added by forks (London to Prague) and present
 * only from them on, each one only with all before it. Nothing here is trusted: the executor reaches
 * an ancestor only by the hash of these bytes, so a header converted wrong is a missing ancestor,
 * never a wrong one. A `hash` that the bytes do not hash to is refused here already, naming it.
 */
const FIELDS: readonly (readonly [name: string, type: "data" | "quantity"])[] = [
  ["parentHash", "data"],
  ["sha3Uncles", "data"],
  ["miner", "data"],
  ["stateRoot", "data"],
  ["transactionsRoot", "data"],
  ["receiptsRoot", "data"],
  ["logsBloom", "data"],
  ["difficulty", "quantity"],
  ["number", "quantity"],
  ["gasLimit", "quantity"],
  ["gasUsed", "quantity"],
  ["timestamp", "quantity"],
  ["extraData", "data"],
  ["mixHash", "data"],
  ["nonce", "data"],
  ["baseFeePerGas", "quantity"],
  ["withdrawalsRoot", "data"],
  ["blobGasUsed", "quantity"],
  ["excessBlobGas", "quantity"],
  ["parentBeaconBlockRoot", "data"],
  ["requestsHash", "data"],
];
/** Fields every header has; the rest are the forks' additions. */
const REQUIRED = 15;

/** The header's RLP, or why the object is not a header (a sentence naming the field). */
export function headerJsonToRlp(header: Record<string, unknown>): Uint8Array | string {
  const values: Uint8Array[] = [];
  for (const [index, [name, type]] of FIELDS.entries()) {
    const value = header[name];
    if (value === undefined || value === null) {
      if (index < REQUIRED) return `has no ${name}`;
      const later = FIELDS.slice(index + 1).find(([other]) => header[other] != null);
      if (later !== undefined) return `has ${later[0]} but no ${name}, which comes with an earlier fork`;
      break;
    }
    const bytes = type === "data" ? dataBytes(value) : quantityBytes(value);
    if (bytes === undefined) {
      return `${name} is not ${type === "data" ? "0x-prefixed hex bytes" : "a 0x quantity"}`;
    }
    values.push(bytes);
  }
  const rlp = RLP.encode(values);
  if (header.hash !== undefined) {
    const claimed = dataBytes(header.hash);
    if (claimed === undefined || !sameBytes(claimed, keccak_256(rlp))) {
      return "does not hash to its hash field";
    }
  }
  return rlp;
}

function dataBytes(value: unknown): Uint8Array | undefined {
  if (typeof value !== "string" || !/^0x(?:[0-9a-fA-F]{2})*$/.test(value)) return undefined;
  return new Uint8Array(Buffer.from(value.slice(2), "hex"));
}

/** A quantity as RLP carries it: big-endian without leading zeros, zero as no bytes. */
function quantityBytes(value: unknown): Uint8Array | undefined {
  if (typeof value !== "string" || !/^0x(?:0|[1-9a-fA-F][0-9a-fA-F]*)$/.test(value)) return undefined;
  const digits = value === "0x0" ? "" : value.slice(2);
  return new Uint8Array(Buffer.from(digits.length % 2 === 0 ? digits : `0${digits}`, "hex"));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
