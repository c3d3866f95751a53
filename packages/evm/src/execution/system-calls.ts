import type { Block } from "@ethereumjs/block";
import type { EVMResult, Message } from "@ethereumjs/evm";
import { createAddressFromString, equalsBytes, hexToBytes } from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import {
  BEACON_ROOTS,
  CONSOLIDATION_REQUESTS,
  HISTORY_STORAGE,
  SYSTEM_ADDRESS,
  type SystemContract,
  WITHDRAWAL_REQUESTS,
} from "../chain/system-contracts.js";
import { EvmError } from "../errors.js";

function invalid(block: Block, detail: string): EvmError {
  const blockNumber = block.header.number;
  return new EvmError("INVALID_BLOCK", `block ${blockNumber}: system contract check failed: ${detail}`, {
    blockNumber,
  });
}

/**
 * Where @ethereumjs 10.1.3 departs from the specification of system contracts, refuse the block
 * rather than prove a transition the protocol would not make. Before the block runs, in the state
 * its start-of-block system calls see: EIP-4788/2935's contracts, whose ring-buffer storage the
 * library writes itself instead of running the contract, which equals the spec only for the EIPs'
 * own bytecode (or no code: no call).
 */
export async function checkSystemContracts(vm: VM, block: Block): Promise<void> {
  for (const contract of [BEACON_ROOTS, HISTORY_STORAGE]) {
    if (!block.common.isActivatedEIP(contract.eip)) continue;
    const code = await codeAt(vm, contract);
    if (code.length > 0 && !equalsBytes(code, hexToBytes(contract.code))) {
      throw invalid(
        block,
        `EIP-${contract.eip} contract ${contract.address} holds code other than the EIP's`,
      );
    }
  }
}

/**
 * After the block ran, in the state its end-of-block system calls saw: EIP-7002/7251's contracts
 * (Prague's checked system calls, made after the transactions and withdrawals). The spec makes the
 * block invalid when one has no code then; the library returns an empty request list instead. A
 * block whose own transaction deploys one is valid, so this is not asked before the block runs.
 */
export async function checkRequestContracts(vm: VM, block: Block): Promise<void> {
  for (const contract of [WITHDRAWAL_REQUESTS, CONSOLIDATION_REQUESTS]) {
    if (!block.common.isActivatedEIP(contract.eip)) continue;
    if ((await codeAt(vm, contract)).length === 0) {
      throw invalid(block, `EIP-${contract.eip} contract ${contract.address} has no code`);
    }
  }
}

function codeAt(vm: VM, contract: SystemContract): Promise<Uint8Array> {
  return vm.stateManager.getCode(createAddressFromString(contract.address));
}

const CHECKED_TARGETS = new Set([WITHDRAWAL_REQUESTS.address, CONSOLIDATION_REQUESTS.address]);

/**
 * Watches the EIP-7002/7251 system calls of one block; the spec makes the block invalid when one
 * fails, which the library ignores. Call `check()` after the block ran, `detach()` always.
 */
export function watchCheckedSystemCalls(vm: VM, block: Block) {
  const events = vm.evm.events;
  const open: boolean[] = [];
  const failures: string[] = [];
  const before = (message: Message) => {
    const checked =
      message.depth === 0 &&
      message.caller.toString() === SYSTEM_ADDRESS &&
      message.to !== undefined &&
      CHECKED_TARGETS.has(message.to.toString());
    open.push(checked);
  };
  const after = (result: EVMResult) => {
    const error = result.execResult.exceptionError;
    if (open.pop() === true && error !== undefined) failures.push(error.error);
  };
  events?.on("beforeMessage", before);
  events?.on("afterMessage", after);
  return {
    check(): void {
      if (failures.length > 0) throw invalid(block, `a checked system call failed (${failures.join(", ")})`);
    },
    detach(): void {
      events?.off("beforeMessage", before);
      events?.off("afterMessage", after);
    },
  };
}
