import { mkdirSync } from "node:fs";
import path from "node:path";
import { type HeldLock, holdLockFile } from "@paas/core";
import type { Hex, StoredBlockRecord, StoredWitness } from "@paas/evm";
import SqliteDatabase from "better-sqlite3";
import type { WorkloadKind, WorkloadState } from "../workload.js";

/** The file a chain is kept in, inside the data directory. */
export const CHAIN_FILE = "chain.sqlite";

/** One produced slot as it is stored: the EL block, the L2 block and what came with them. */
export interface StoredSlot {
  readonly el: StoredBlockRecord;
  readonly slot: number;
  /** SSZ of the signed L2 block, its id, and the chainstate after it. */
  readonly l2Block: Uint8Array;
  readonly blockId: Uint8Array;
  readonly chainstate: Uint8Array;
  readonly kinds: readonly WorkloadKind[];
}

/** A checkpoint as stored: SSZ of its `BatchInfo` and `BatchTransition`, and an accepted proof. */
export interface StoredCheckpoint {
  readonly index: number;
  readonly info: Uint8Array;
  readonly transition: Uint8Array;
  readonly proof?: { readonly receipt: Uint8Array; readonly provenAt: number };
}

/** What one produced block changes, written in one transaction. */
export interface BlockWrite {
  readonly slot: StoredSlot;
  /** State entries added (with their value) or dropped (undefined) by the block. */
  readonly state: ReadonlyMap<string, Uint8Array | undefined>;
  readonly workload: WorkloadState;
  readonly checkpoint?: StoredCheckpoint;
  /** EL blocks up to this number have had their witness pruned. */
  readonly prunedThrough: number;
}

export interface LoadedChain {
  readonly genesis: StoredBlockRecord;
  readonly slots: StoredSlot[];
  readonly state: Map<string, Uint8Array>;
  readonly workload: WorkloadState | undefined;
  readonly checkpoints: StoredCheckpoint[];
}

interface ElRow {
  number: number;
  hash: string;
  parent_hash: string;
  state_root: string;
  rlp: string;
  header_rlp: string;
  witness: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS el_blocks (
  number INTEGER PRIMARY KEY, hash TEXT NOT NULL, parent_hash TEXT NOT NULL, state_root TEXT NOT NULL,
  rlp TEXT NOT NULL, header_rlp TEXT NOT NULL, witness TEXT);
CREATE TABLE IF NOT EXISTS slots (
  slot INTEGER PRIMARY KEY, el_number INTEGER NOT NULL, block BLOB NOT NULL, block_id BLOB NOT NULL,
  chainstate BLOB NOT NULL, kinds TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  idx INTEGER PRIMARY KEY, info BLOB NOT NULL, transition BLOB NOT NULL, receipt BLOB, proven_at INTEGER);
`;

/**
 * A devchain kept in SQLite, so a devnet restarted on its data directory continues its chain
 * instead of building a new one. Every produced block is one transaction (its EL block and
 * witness, its L2 block and chainstate, the state entries it changed, the workload's position, the
 * checkpoint it closed), committed before the block is announced; an accepted proof is committed
 * before the CL answers. WAL with `synchronous = NORMAL`: a killed process loses nothing it
 * committed (a power cut may lose the last blocks, which the chain then produces again).
 */
export class ChainStore {
  private readonly db: SqliteDatabase.Database;
  private readonly lock: HeldLock;

  private constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    // One devnet per data directory: a second one on the same chain would fail every block write,
    // or interleave its blocks with the first one's. Readers (sqlite3 on the file) are not locked out.
    this.lock = holdLockFile(
      `${file}.lock`,
      (holder) =>
        `${file} is in use by another devnet (${holder}): stop it first, or give this one another data directory`,
    );
    try {
      this.db = new SqliteDatabase(file);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.exec(SCHEMA);
    } catch (error) {
      this.lock.release();
      throw error;
    }
  }

  /** Opens (or creates) the store in `dataDir`. */
  static open(dataDir: string): ChainStore {
    return new ChainStore(path.join(dataDir, CHAIN_FILE));
  }

  /** What the chain was made with (its config), or undefined for a new store. */
  identity(): Record<string, unknown> | undefined {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'identity'").get() as
      | { value: string }
      | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as Record<string, unknown>);
  }

  /** A new chain: its identity, its genesis block and genesis state. */
  initialise(
    identity: Record<string, unknown>,
    genesis: StoredBlockRecord,
    /** The genesis state's entries; undefined ones were written and dropped again while it was built. */
    state: ReadonlyMap<string, Uint8Array | undefined>,
  ): void {
    this.db.transaction(() => {
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('identity', ?)").run(JSON.stringify(identity));
      this.insertEl(genesis);
      const put = this.db.prepare("INSERT INTO state (key, value) VALUES (?, ?)");
      for (const [key, value] of state) if (value !== undefined) put.run(key, value);
    })();
  }

  appendBlock(write: BlockWrite): void {
    this.db.transaction(() => {
      const { slot } = write;
      this.insertEl(slot.el);
      this.db
        .prepare(
          "INSERT INTO slots (slot, el_number, block, block_id, chainstate, kinds) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .run(
          slot.slot,
          Number(slot.el.number),
          slot.l2Block,
          slot.blockId,
          slot.chainstate,
          JSON.stringify(slot.kinds),
        );
      const put = this.db.prepare("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)");
      const drop = this.db.prepare("DELETE FROM state WHERE key = ?");
      for (const [key, value] of write.state) {
        if (value === undefined) drop.run(key);
        else put.run(key, value);
      }
      this.db
        .prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('workload', ?)")
        .run(JSON.stringify(write.workload));
      if (write.checkpoint !== undefined) {
        const { index, info, transition } = write.checkpoint;
        this.db
          .prepare("INSERT INTO checkpoints (idx, info, transition) VALUES (?, ?, ?)")
          .run(index, info, transition);
      }
      this.db
        .prepare(
          "UPDATE el_blocks SET witness = NULL WHERE number <= ? AND number > 0 AND witness IS NOT NULL",
        )
        .run(write.prunedThrough);
    })();
  }

  acceptProof(index: number, receipt: Uint8Array, provenAt: number): void {
    this.db
      .prepare("UPDATE checkpoints SET receipt = ?, proven_at = ? WHERE idx = ?")
      .run(receipt, provenAt, index);
  }

  load(): LoadedChain {
    const elRows = this.db.prepare("SELECT * FROM el_blocks ORDER BY number").all() as ElRow[];
    const els = elRows.map(elRecord);
    const genesis = els[0];
    if (genesis === undefined) throw new Error(`${this.file}: no genesis block stored`);
    const slotRows = this.db.prepare("SELECT * FROM slots ORDER BY slot").all() as {
      slot: number;
      el_number: number;
      block: Uint8Array;
      block_id: Uint8Array;
      chainstate: Uint8Array;
      kinds: string;
    }[];
    const slots = slotRows.map((row) => {
      const el = els[row.el_number];
      if (el === undefined)
        throw new Error(`${this.file}: slot ${row.slot} names EL block ${row.el_number}, not stored`);
      return {
        el,
        slot: row.slot,
        l2Block: row.block,
        blockId: row.block_id,
        chainstate: row.chainstate,
        kinds: JSON.parse(row.kinds) as WorkloadKind[],
      };
    });
    const state = new Map<string, Uint8Array>();
    for (const row of this.db.prepare("SELECT key, value FROM state").iterate() as Iterable<{
      key: string;
      value: Uint8Array;
    }>) {
      state.set(row.key, new Uint8Array(row.value));
    }
    const workload = this.db.prepare("SELECT value FROM meta WHERE key = 'workload'").get() as
      | { value: string }
      | undefined;
    const checkpoints = (
      this.db.prepare("SELECT * FROM checkpoints ORDER BY idx").all() as {
        idx: number;
        info: Uint8Array;
        transition: Uint8Array;
        receipt: Uint8Array | null;
        proven_at: number | null;
      }[]
    ).map((row) => ({
      index: row.idx,
      info: row.info,
      transition: row.transition,
      ...(row.receipt !== null &&
        row.proven_at !== null && {
          proof: { receipt: new Uint8Array(row.receipt), provenAt: row.proven_at },
        }),
    }));
    return {
      genesis,
      slots,
      state,
      workload: workload === undefined ? undefined : (JSON.parse(workload.value) as WorkloadState),
      checkpoints,
    };
  }

  close(): void {
    this.db.close();
    this.lock.release();
  }

  private insertEl(el: StoredBlockRecord): void {
    this.db
      .prepare(
        "INSERT INTO el_blocks (number, hash, parent_hash, state_root, rlp, header_rlp, witness) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        Number(el.number),
        el.hash,
        el.parentHash,
        el.stateRoot,
        el.rlp,
        el.headerRlp,
        el.witness === undefined ? null : JSON.stringify(el.witness),
      );
  }
}

function elRecord(row: ElRow): StoredBlockRecord {
  return {
    number: BigInt(row.number),
    hash: row.hash as Hex,
    parentHash: row.parent_hash as Hex,
    stateRoot: row.state_root as Hex,
    rlp: row.rlp as Hex,
    headerRlp: row.header_rlp as Hex,
    ...(row.witness !== null && { witness: JSON.parse(row.witness) as StoredWitness }),
  };
}
