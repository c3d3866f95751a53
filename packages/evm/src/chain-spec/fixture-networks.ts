/**
 * The chain specs of the Ethereum Foundation fixtures' `network` names: chain 1 (the tests sign
 * for it), merged at genesis, every fork up to the named one from genesis, and for a transition
 * network ("ShanghaiToCancunAtTime15k") the second fork at that timestamp. Mainnet's deposit
 * contract, as ethereumjs's own runner has it.
 */
import { EvmError } from "../errors.js";
import type { ChainSpec } from "./chain-spec.js";
import { EXECUTED_TIME_FORKS, TIME_FORKS, type TimeForkKey } from "./forks.js";

const FIXTURE_CHAIN_ID = 1;
const MAINNET_DEPOSIT_CONTRACT = "0x00000000219ab540356cbb839cbe05303d7705fa";

/** The post-merge forks a fixture network may name, Paris first (retesteth also says "Merge"). */
const NETWORK_FORKS = ["paris", ...EXECUTED_TIME_FORKS] as const;
const ALIASES: Readonly<Record<string, (typeof NETWORK_FORKS)[number]>> = { merge: "paris" };

const TRANSITION = /^([A-Za-z]+)To([A-Za-z]+)AtTime(\d+)k$/;

function forkOf(name: string, network: string): (typeof NETWORK_FORKS)[number] {
  const lower = name.toLowerCase();
  const fork = ALIASES[lower] ?? NETWORK_FORKS.find((known) => known === lower);
  if (fork === undefined) {
    throw new EvmError(
      "UNSUPPORTED_RULES",
      `fixture network "${network}": ${name} is not among the forks this package executes ` +
        `(${NETWORK_FORKS.join(", ")}; pre-merge rules are out of scope)`,
    );
  }
  return fork;
}

function timeKey(fork: (typeof NETWORK_FORKS)[number]): TimeForkKey | undefined {
  return TIME_FORKS.find((candidate) => candidate.hardfork === fork)?.key;
}

/** The chain spec of a fixture network, or an `UNSUPPORTED_RULES` error naming what is out of scope. */
export function fixtureChainSpec(network: string): ChainSpec {
  const transition = TRANSITION.exec(network);
  const [from, to, atTime] = transition
    ? [forkOf(transition[1]!, network), forkOf(transition[2]!, network), Number(transition[3]) * 1000]
    : [forkOf(network, network), undefined, undefined];
  const spec: Record<string, number | string> = { chainId: FIXTURE_CHAIN_ID, mergeForkBlock: 0 };
  for (const fork of NETWORK_FORKS.slice(1, NETWORK_FORKS.indexOf(from) + 1)) spec[timeKey(fork)!] = 0;
  if (to !== undefined && atTime !== undefined) {
    if (NETWORK_FORKS.indexOf(to) !== NETWORK_FORKS.indexOf(from) + 1) {
      throw new EvmError("UNSUPPORTED_RULES", `fixture network "${network}": ${to} does not follow ${from}`);
    }
    spec[timeKey(to)!] = atTime;
  }
  spec.depositContractAddress = MAINNET_DEPOSIT_CONTRACT;
  return spec as ChainSpec;
}
