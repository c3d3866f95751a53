import { type Block, createBlockFromRLP } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { type NestedUint8Array, RLP } from "@ethereumjs/rlp";
import { Capability, isLegacyTx, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type BlockRlpSummary,
  type ChainBlock,
  createFixtureCommon,
  EvmError,
  inspectBlockRlp,
  listFixtureFiles,
  readFixtureFile,
} from "../src/index.js";
import { buildMixedChain, ethereumTestsDir, type MixedChain } from "../src/testing/index.js";
import { allTypesBlock } from "./support/all-types-block.js";

/** What @ethereumjs's own decoding says, in `inspectBlockRlp`'s terms. */
function ethereumjsView(block: Block): BlockRlpSummary {
  return {
    number: block.header.number,
    timestamp: block.header.timestamp,
    hash: block.hash(),
    parentHash: block.header.parentHash,
    transactionChainIds: block.transactions.map(chainIdOf),
  };
}

/**
 * A legacy transaction's chain id is the `Common`'s when @ethereumjs accepted it as EIP-155
 * protected (its constructor refuses a `v` for another chain); a typed one carries its own.
 */
function chainIdOf(tx: TypedTransaction): bigint | undefined {
  if (isLegacyTx(tx)) {
    return tx.supports(Capability.EIP155ReplayProtection) ? tx.common.chainId() : undefined;
  }
  return tx.chainId;
}

function bytes(hex: string): Uint8Array {
  return hexToBytes(hex as `0x${string}`);
}

function decoded(rlp: Uint8Array): NestedUint8Array {
  return RLP.decode(rlp) as NestedUint8Array;
}

/** The error `inspectBlockRlp` throws for `rlp`, labelled "block 7". */
function rejection(rlp: Uint8Array): EvmError {
  try {
    inspectBlockRlp(rlp, { label: "block 7" });
  } catch (error) {
    expect(error).toBeInstanceOf(EvmError);
    expect((error as EvmError).code).toBe("INVALID_BLOCK");
    expect((error as EvmError).message).toMatch(/^block 7: /);
    return error as EvmError;
  }
  throw new Error("accepted");
}

describe("inspectBlockRlp", () => {
  let mixed: MixedChain;
  let allTypes: ChainBlock;

  beforeAll(async () => {
    mixed = await buildMixedChain();
    allTypes = await allTypesBlock();
  });

  function expectSameAsEthereumjs(rlp: Uint8Array, common: Common): BlockRlpSummary {
    const summary = inspectBlockRlp(rlp);
    expect(summary).toEqual(ethereumjsView(createBlockFromRLP(rlp, { common })));
    return summary;
  }

  it("reads what @ethereumjs decodes from the mixed chain's blocks (legacy, 2930 and 1559 transactions)", () => {
    const kinds = new Set<number>();
    for (const block of mixed.blocks) {
      const summary = expectSameAsEthereumjs(bytes(block.rlp), mixed.common);
      expect(bytesToHex(summary.hash)).toBe(block.hash);
      expect(bytesToHex(summary.parentHash)).toBe(block.parentHash);
      expect(summary.number).toBe(block.number);
      expect(summary.transactionChainIds).toEqual(block.block.transactions.map(() => 1337n));
      for (const tx of block.block.transactions) kinds.add(tx.type);
    }
    expect([...kinds].sort()).toEqual([0, 1, 2]);
  });

  it("reads every transaction type (legacy, 2930, 1559, blob, 7702)", () => {
    const summary = expectSameAsEthereumjs(bytes(allTypes.rlp), allTypes.block.common);
    expect(allTypes.block.transactions.map((tx) => tx.type)).toEqual([0, 1, 2, 3, 4]);
    expect(summary.transactionChainIds).toEqual([1337n, 1337n, 1337n, 1337n, 1337n]);
    expect(bytesToHex(summary.hash)).toBe(allTypes.hash);
  });

  it("reads a legacy transaction without EIP-155 protection (v = 27/28) as having no chain id", () => {
    const block = mixed.blocks.find((b) => b.block.transactions.some(isLegacyTx))!;
    const fields = decoded(bytes(block.rlp));
    const transactions = fields[1] as NestedUint8Array;
    const index = transactions.findIndex(Array.isArray);
    (transactions[index] as Uint8Array[])[6] = Uint8Array.of(27);
    const rlp = RLP.encode(fields);
    const summary = expectSameAsEthereumjs(rlp, mixed.common);
    expect(summary.transactionChainIds[index]).toBeUndefined();
    // The header is unchanged (the transactions root no longer matches: not inspection's business).
    expect(bytesToHex(summary.hash)).toBe(block.hash);
  });

  it("reads every block of the Ethereum Foundation fixtures as @ethereumjs does", () => {
    const commons = new Map<string, Common>();
    let blocks = 0;
    const seen = { unprotected: 0, typed: 0 };
    for (const file of listFixtureFiles(ethereumTestsDir())) {
      for (const fixture of Object.values(readFixtureFile(file))) {
        let common = commons.get(fixture.network);
        if (common === undefined) {
          common = createFixtureCommon(fixture.network);
          commons.set(fixture.network, common);
        }
        for (const block of fixture.blocks) {
          const rlp = bytes(block.rlp);
          const summary = expectSameAsEthereumjs(rlp, common);
          const header = (block as { blockHeader?: { hash?: string } }).blockHeader;
          if (header?.hash !== undefined) expect(bytesToHex(summary.hash)).toBe(header.hash.toLowerCase());
          const txs = decoded(rlp)[1] as NestedUint8Array;
          for (const [index, chainId] of summary.transactionChainIds.entries()) {
            if (!Array.isArray(txs[index])) seen.typed++;
            else if (chainId === undefined) seen.unprotected++;
          }
          blocks++;
        }
      }
    }
    expect(blocks).toBeGreaterThanOrEqual(613);
    // Pre-EIP-155 and typed transactions were compared here (the protected legacy ones, which these
    // fixtures lack, on the mixed chain above).
    expect(seen.unprotected).toBeGreaterThan(0);
    expect(seen.typed).toBeGreaterThan(0);
  });

  it("reads the chain id a transaction was signed for, whatever the rules", () => {
    const [legacy, ...typed] = decoded(bytes(allTypes.rlp))[1] as NestedUint8Array;
    const v = (legacy as Uint8Array[])[6]!;
    // v = 1337 * 2 + 35 + parity: set it for chain 7 instead.
    expect(BigInt(bytesToHex(v))).toBeGreaterThanOrEqual(1337n * 2n + 35n);
    const forChain7 = [...(legacy as Uint8Array[])];
    forChain7[6] = Uint8Array.of(7 * 2 + 36);
    const fields = decoded(bytes(allTypes.rlp));
    fields[1] = [forChain7, ...typed];
    expect(inspectBlockRlp(RLP.encode(fields)).transactionChainIds[0]).toBe(7n);
  });

  it("refuses RLP that does not decode, naming the block", () => {
    const rlp = bytes(mixed.blocks[1]!.rlp);
    expect(rejection(bytes("0x1234")).message).toMatch(/^block 7: block RLP does not decode: /);
    expect(rejection(rlp.subarray(0, rlp.length - 1)).message).toMatch(/does not decode/);
    expect(rejection(Uint8Array.from([...rlp, 0])).message).toMatch(/does not decode/);
    expect(rejection(new Uint8Array(0)).message).toBe(
      "block 7: block RLP is not a list of header, transactions and ommers",
    );
    expect(rejection(RLP.encode(bytes("0x1234"))).message).toMatch(/is not a list of header/);
    expect(rejection(RLP.encode([[], []])).message).toMatch(/is not a list of header/);
  });

  it("refuses the RLP @ethereumjs/rlp refuses, and only that, at any depth of the block", () => {
    // Non-canonical encodings inside a transaction's field, which inspection never reads.
    const rlp = bytes(allTypes.rlp);
    const field = (encoding: number[]) => {
      const fields = decoded(rlp);
      const legacy = (fields[1] as NestedUint8Array)[0] as Uint8Array[];
      const marker = Uint8Array.of(0xaa, 0xbb, 0xcc);
      legacy[5] = marker; // data
      const encoded = RLP.encode(fields);
      const at = Buffer.from(encoded).indexOf(Buffer.from([0x83, ...marker]));
      // The same field written another way; the enclosing lengths are left as they were.
      const changed = [...encoded.subarray(0, at), ...encoding, ...encoded.subarray(at + 4)];
      return Uint8Array.from(changed);
    };
    // A one-byte string below 0x80 written with a prefix, then a short length in the long form,
    // then a long length with a leading zero: four bytes each, as the field they replace.
    for (const encoding of [
      [0x81, 0x05, 0x80, 0x80],
      [0xb8, 0x02, 0x01, 0x02],
      [0xb9, 0x00, 0x01, 0x01],
    ]) {
      const broken = field(encoding);
      expect(() => RLP.decode(broken)).toThrow();
      expect(rejection(broken).message).toMatch(/^block 7: block RLP does not decode: /);
    }
    expect(inspectBlockRlp(field([0x83, 0x01, 0x02, 0x03])).number).toBe(allTypes.block.header.number);

    // Every single-byte change of real blocks (a seeded sample): refused as undecodable exactly
    // when @ethereumjs/rlp's decoder refuses it.
    let state = 7;
    const random = (below: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state % below;
    };
    let refusedByBoth = 0;
    for (const block of [allTypes, ...mixed.blocks.slice(0, 8)]) {
      const original = bytes(block.rlp);
      for (let trial = 0; trial < 150; trial++) {
        const mutated = Uint8Array.from(original);
        mutated[random(mutated.length)] = random(256);
        let decodes = true;
        try {
          RLP.decode(mutated);
        } catch {
          decodes = false;
        }
        let refusedAsUndecodable = false;
        try {
          inspectBlockRlp(mutated);
        } catch (error) {
          expect(error).toBeInstanceOf(EvmError);
          refusedAsUndecodable = /block RLP does not decode/.test((error as Error).message);
        }
        expect(refusedAsUndecodable).toBe(!decodes);
        if (!decodes) refusedByBoth++;
      }
    }
    // Most changes land in a field's bytes and still decode; the seeded sample refuses 24.
    expect(refusedByBoth).toBeGreaterThanOrEqual(20);
  });

  it("refuses a malformed header", () => {
    const fields = () => decoded(bytes(mixed.blocks[1]!.rlp));
    const short = fields();
    short[0] = (short[0] as Uint8Array[]).slice(0, 14);
    expect(rejection(RLP.encode(short)).message).toBe(
      "block 7: block header is not a list of at least 15 fields",
    );
    const notAList = fields();
    notAList[0] = Uint8Array.of(1);
    expect(rejection(RLP.encode(notAList)).message).toMatch(/block header is not a list/);
    const parent = fields();
    (parent[0] as Uint8Array[])[0] = new Uint8Array(31);
    expect(rejection(RLP.encode(parent)).message).toBe("block 7: block header's parent hash is not 32 bytes");
    const padded = fields();
    (padded[0] as Uint8Array[])[8] = Uint8Array.of(0, 2);
    expect(rejection(RLP.encode(padded)).message).toBe(
      "block 7: block header's number has leading zero bytes",
    );
    const listNumber = fields();
    (listNumber[0] as NestedUint8Array)[8] = [];
    expect(rejection(RLP.encode(listNumber)).message).toMatch(/number is not a byte string/);
    const txs = fields();
    txs[1] = Uint8Array.of(1);
    const error = rejection(RLP.encode(txs));
    expect(error.message).toBe("block 7: block's transactions are not a list");
    expect(error.blockNumber).toBe(2n);
  });

  it("refuses malformed transactions, naming the transaction", () => {
    const withTransaction = (tx: Uint8Array | NestedUint8Array) => {
      const fields = decoded(bytes(allTypes.rlp));
      const txs = fields[1] as NestedUint8Array;
      txs[3] = tx;
      return RLP.encode(fields);
    };
    const legacy = (decoded(bytes(allTypes.rlp))[1] as NestedUint8Array)[0] as Uint8Array[];
    expect(rejection(withTransaction(legacy.slice(0, 8))).message).toBe(
      "block 7: transaction 3: a legacy transaction has 9 fields, not 8",
    );
    const badV = [...legacy];
    badV[6] = Uint8Array.of(30);
    expect(rejection(withTransaction(badV)).message).toBe(
      "block 7: transaction 3: v = 30 is neither 27/28 nor EIP-155's chain id * 2 + 35/36",
    );
    for (const envelope of [new Uint8Array(0), Uint8Array.of(0, 0xc0), Uint8Array.of(0x80, 0xc0)]) {
      expect(rejection(withTransaction(envelope)).message).toBe(
        "block 7: transaction 3 is neither a legacy list nor a typed envelope (type 0x01–0x7f)",
      );
    }
    expect(rejection(withTransaction(Uint8Array.of(2, 0xc5))).message).toMatch(
      /^block 7: transaction 3 \(type 2\): payload RLP does not decode: /,
    );
    expect(rejection(withTransaction(Uint8Array.of(2, 0xc0))).message).toBe(
      "block 7: transaction 3 (type 2): payload is not a list starting with a chain id",
    );
    expect(rejection(withTransaction(Uint8Array.of(2, 0xc3, 0x82, 0, 1))).message).toBe(
      "block 7: transaction 3 (type 2): chain id has leading zero bytes",
    );
    expect(rejection(withTransaction(Uint8Array.of(2, 0x01))).message).toMatch(/payload is not a list/);
  });
});
