/**
 * A Map that remembers which keys changed since it was last drained: the state database's store,
 * so each block writes only the state entries it added or dropped.
 */
export class JournaledMap<V> extends Map<string, V> {
  readonly #changed = new Set<string>();

  override set(key: string, value: V): this {
    this.#changed.add(key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.#changed.add(key);
    return super.delete(key);
  }

  /** Each changed key with its value now (undefined: dropped), and forgets them. */
  drain(): Map<string, V | undefined> {
    const changes = new Map<string, V | undefined>();
    for (const key of this.#changed) changes.set(key, this.get(key));
    this.#changed.clear();
    return changes;
  }
}
