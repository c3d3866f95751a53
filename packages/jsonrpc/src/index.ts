export * from "./client/client.js";
export * from "./codes.js";
export * from "./errors.js";
export * from "./protocol.js";
export type { ErrorListener } from "./server/dispatch.js";
export * from "./server/methods.js";
export * from "./server/server.js";
export * from "./validation.js";
