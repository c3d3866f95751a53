/**
 * The prover client as a library, for apps that compose it (a generated app's tests, tools that
 * check a deployment's config): the same config loader and app builder `paas start` uses.
 */
export { type BuildOptions, buildProverApp, type ProverApp } from "./app/build-app.js";
export { type ConfigSources, loadConfig } from "./config/load-config.js";
export { configSchema, DEFAULT_PLUGINS, type ProverConfig } from "./config/schema.js";
export { createLogger, type LoggerChoice } from "./logging/logger.js";
