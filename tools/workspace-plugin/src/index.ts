export {
  type ProofPluginSchema,
  pluginFiles,
  proofPluginGenerator,
} from "./generators/proof-plugin/generator.js";
export { normalizeOptions, ProofPluginOptionsError } from "./generators/proof-plugin/options.js";
export { type ProverAppSchema, proverAppGenerator } from "./generators/prover-app/generator.js";
export { normalizeAppOptions, ProverAppOptionsError } from "./generators/prover-app/options.js";
