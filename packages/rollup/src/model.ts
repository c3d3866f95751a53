/**
 * `@paas/rollup/model`: the rollup model and chain rules without the JSON-RPC clients (and so
 * without @paas/jsonrpc). Guests import this entry point: proving workers load less.
 */

// The byte helpers are core's, one module for every package; the rollup model re-exports them.
export { bytesEqual, fromHex, type Hex, isHex, shortHex, toHex } from "@paas/core/contracts";
export * from "./chain/apply-block.js";
export * from "./chain/batch.js";
export * from "./chain/block-range.js";
export * from "./chain/build-block.js";
export * from "./chain/epochs.js";
export * from "./chain/errors.js";
export * from "./chain/genesis.js";
export * from "./chain/signing.js";
export * from "./chain/transition.js";
export * from "./proofs/proof-types.js";
export * from "./types/block.js";
export * from "./types/chainstate.js";
export * from "./types/checkpoint.js";
export * from "./types/commitments.js";
export * from "./types/params.js";
export * from "./types/primitives.js";
