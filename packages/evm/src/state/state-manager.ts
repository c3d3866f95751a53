import type { Common } from "@ethereumjs/common";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import { Account, type Address, bytesToUnprefixedHex, type DB, ValueEncoding } from "@ethereumjs/util";

/**
 * `MerkleStateManager` with an awaited storage write path. The library's
 * `_modifyContractStorage` runs the storage put/del inside a `new Promise(async …)` nobody
 * awaits: when the write throws (a node missing from a witness) the error becomes an unhandled
 * rejection and `runBlock` never settles. Both of its callers are replaced here by code that
 * awaits the write, so the error reaches the block's caller.
 */
export class SafeMerkleStateManager extends MerkleStateManager {
  /** Told of every address and storage slot touched: the witness recorder keeps them as preimages. */
  onTouch: ((preimage: Uint8Array) => void) | undefined;

  override async getAccount(address: Address): Promise<Account | undefined> {
    this.onTouch?.(address.bytes);
    return super.getAccount(address);
  }

  override async putAccount(address: Address, account: Account | undefined): Promise<void> {
    this.onTouch?.(address.bytes);
    return super.putAccount(address, account);
  }

  override async getStorage(address: Address, key: Uint8Array): Promise<Uint8Array> {
    this.onTouch?.(address.bytes);
    this.onTouch?.(key);
    return super.getStorage(address, key);
  }

  override async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    this.onTouch?.(address.bytes);
    this.onTouch?.(key);
    return super.putStorage(address, key, value);
  }

  protected override async _writeContractStorage(
    address: Address,
    account: Account,
    key: Uint8Array,
    value: Uint8Array,
  ): Promise<void> {
    const storageTrie = this._getStorageTrie(address, account);
    if (value.length > 0) await storageTrie.put(key, RLP.encode(value));
    else await storageTrie.del(key);
    await this.storeStorageRoot(address, account, storageTrie);
  }

  override async clearStorage(address: Address): Promise<void> {
    const account = (await this.getAccount(address)) ?? new Account();
    this._caches?.storage?.clearStorage(address);
    const storageTrie = this._getStorageTrie(address, account);
    storageTrie.root(storageTrie.EMPTY_TRIE_ROOT);
    await this.storeStorageRoot(address, account, storageTrie);
  }

  /**
   * Forgets the storage tries kept per address across blocks (they are recreated from the
   * accounts' storage roots, as a fresh state manager would). One kept for an account that was
   * deleted would still point at that account's old storage, whose nodes the pruned state no
   * longer holds.
   */
  forgetStorageTries(): void {
    this._storageTries = {};
  }

  /** What the library does once the write is done: keep the trie and put the account's new storage root. */
  private async storeStorageRoot(address: Address, account: Account, storageTrie: MerklePatriciaTrie) {
    this._storageTries[bytesToUnprefixedHex(address.bytes)] = storageTrie;
    account.storageRoot = storageTrie.root();
    await this.putAccount(address, account);
  }
}

/**
 * The one state-manager configuration used both to record witnesses and to execute from them.
 * The two sides must read the trie in the same order for the same block, or a witness recorded
 * by one would miss nodes the other needs; sharing this factory keeps them identical. Caches are
 * on (they batch account writes to the end of the block) and start empty for every block.
 */
export function createStateManager(db: DB<string, Uint8Array>, common: Common, stateRoot: Uint8Array) {
  const trie = new MerklePatriciaTrie({
    db,
    root: stateRoot,
    useKeyHashing: true,
    valueEncoding: ValueEncoding.Bytes,
    common,
  });
  return new SafeMerkleStateManager({ common, trie, caches: new Caches() });
}
