/** The test utilities serve a chain as the devnet's EL does, so a plugin passing on them passes there. */
import { createDevnetCommon, ExecutionChain } from "@paas/evm";
import { expect, it } from "vitest";
import { elRpcHandlers } from "../src/testing.js";

it("answers eth_chainId with the served chain's id, as the devnet does", async () => {
  const chain = await ExecutionChain.create({ common: createDevnetCommon(4242), alloc: {} });
  expect(elRpcHandlers(chain).eth_chainId!([])).toBe("0x1092");
  expect(elRpcHandlers(chain, { chainId: 7 }).eth_chainId!([])).toBe("0x7");
});
