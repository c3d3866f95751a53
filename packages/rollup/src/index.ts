export * from "./model.js";
export * from "./rpc/cl-client.js";
export * from "./rpc/cl-protocol.js";
export type * from "./rpc/client-options.js";
export * from "./rpc/define-cl-method.js";
export * from "./rpc/el-client.js";
export * from "./rpc/el-types.js";
export * from "./rpc/missing-el-block.js";
