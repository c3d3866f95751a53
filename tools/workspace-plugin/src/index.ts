export {
  type ProofPluginSchema,
  pluginFiles,
  proofPluginGenerator,
} from "./generators/proof-plugin/generator.js";
export { normalizeOptions, ProofPluginOptionsError } from "./generators/proof-plugin/options.js";
