export type { HttpErrorCode } from "./http/http-error.js";
export {
  DEFAULT_MAX_INPUT_BYTES,
  MIN_TOKEN_LENGTH,
  type ProverServerOptions,
} from "./options.js";
export { DEFAULT_PLUGIN_PACKAGES, type ProgramSource } from "./programs.js";
export { type ProverServer, SERVER_KEY_FILE, startProverServer } from "./server.js";
export { JOB_DATABASE_FILE } from "./store/open-job-database.js";
