import { createFeeMarket1559Tx, createLegacyTx } from "@ethereumjs/tx";
import { createAddressFromPrivateKey, createContractAddress, hexToBytes } from "@ethereumjs/util";
import { describe, expect, it } from "vitest";
import {
  createDevnetCommon,
  EvmError,
  ExecutionChain,
  executeBlocksStatelessly,
  type GenesisAlloc,
  type Hex,
  SYSTEM_CONTRACTS,
  systemContractsAlloc,
} from "../src/index.js";

const common = createDevnetCommon(7);
const key = hexToBytes(`0x${"11".repeat(32)}`);
const funded: GenesisAlloc = { [createAddressFromPrivateKey(key).toString()]: { balance: 10n ** 20n } };
const transfer = () =>
  createFeeMarket1559Tx(
    {
      nonce: 0n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
      gasLimit: 21_000n,
      to: "0x00000000000000000000000000000000000000aa",
      value: 1n,
    },
    { common },
  ).sign(key);

/**
 * EIP-7002's deployment transaction (keyless, as the EIP publishes it): a constructor setting the
 * excess slot to its inhibitor, then the contract's code.
 */
function withdrawalRequestsDeployment() {
  const withdrawals = SYSTEM_CONTRACTS.find((contract) => contract.eip === 7002)!;
  const initPrefix = `0x7f${"ff".repeat(32)}5f556101f880602d5f395ff3`;
  return createLegacyTx(
    {
      nonce: 0n,
      gasPrice: 0xe8d4a51000n,
      gasLimit: 0x3d090n,
      data: hexToBytes(`${initPrefix}${withdrawals.code.slice(2)}` as Hex),
      v: 27n,
      r: 0x539n,
      s: 0x5feeb084551e4e03a3581e269bc2ea2f8d0008n,
    },
    { common },
  );
}

async function buildWith(alloc: GenesisAlloc): Promise<string> {
  const chain = await ExecutionChain.create({ common, alloc: { ...funded, ...alloc } });
  try {
    await chain.buildBlock([transfer()]);
    return "built";
  } catch (error) {
    expect(error).toBeInstanceOf(EvmError);
    return (error as Error).message;
  }
}

describe("system contracts (where @ethereumjs departs from the spec, blocks are refused)", () => {
  it("builds blocks on a genesis with the four system contracts", async () => {
    expect(await buildWith(systemContractsAlloc())).toBe("built");
  });

  for (const eip of [7002, 7251]) {
    it(`refuses a Prague block when the EIP-${eip} contract has no code`, async () => {
      const alloc = Object.fromEntries(
        Object.entries(systemContractsAlloc()).filter(([address]) => !address.endsWith(String(eip))),
      );
      expect(await buildWith(alloc)).toMatch(
        new RegExp(`block 1: system contract check failed: EIP-${eip} .* has no code`),
      );
    });
  }

  it("accepts a Prague block that deploys the EIP-7002 contract: its code is required when the block's requests are read, after its transactions", async () => {
    const deployment = withdrawalRequestsDeployment();
    const deployer = deployment.getSenderAddress();
    expect(createContractAddress(deployer, 0n).toString()).toBe(
      SYSTEM_CONTRACTS.find((contract) => contract.eip === 7002)!.address,
    );
    const alloc = Object.fromEntries(
      Object.entries(systemContractsAlloc()).filter(([address]) => !address.endsWith("7002")),
    );
    const chain = await ExecutionChain.create({
      common,
      alloc: { ...alloc, [deployer.toString()]: { balance: deployment.getUpfrontCost() } },
    });
    const built = await chain.buildBlock([deployment]);
    const [proven] = await executeBlocksStatelessly({
      common,
      blocks: [built.rlp],
      witnesses: [built.witness],
    });
    expect(proven?.stateRoot).toBe(built.stateRoot);
  });

  it("refuses a block whose checked system call fails", async () => {
    const withdrawals = SYSTEM_CONTRACTS.find((contract) => contract.eip === 7002)!;
    const reverting: Hex = "0x60006000fd";
    const alloc = { ...systemContractsAlloc(), [withdrawals.address]: { nonce: 1n, code: reverting } };
    expect(await buildWith(alloc)).toMatch(
      /block 1: system contract check failed: a checked system call failed/,
    );
  });

  it("refuses a block when EIP-4788/2935 contracts hold other code (the library would not run it)", async () => {
    for (const eip of [4788, 2935]) {
      const contract = SYSTEM_CONTRACTS.find((c) => c.eip === eip)!;
      const alloc = { ...systemContractsAlloc(), [contract.address]: { nonce: 1n, code: "0x00" as Hex } };
      expect(await buildWith(alloc)).toMatch(
        new RegExp(`EIP-${eip} contract .* holds code other than the EIP's`),
      );
    }
  });

  it("accepts a chain without the EIP-4788/2935 contracts (no code: no call)", async () => {
    const alloc = Object.fromEntries(
      Object.entries(systemContractsAlloc()).filter(([address]) => !/(beac02|2935)$/.test(address)),
    );
    expect(await buildWith(alloc)).toBe("built");
  });
});
