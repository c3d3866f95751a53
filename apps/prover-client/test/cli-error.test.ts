/**
 * How the CLI reports an error that ends a command: a typed error as its code and message, a stack
 * only for what nobody expected.
 */
import { PaasError } from "@paas/core";
import { HostConfigError } from "@paas/zkvm";
import { expect, it } from "vitest";
import { describeCliError } from "../src/cli/cli-error.js";

it("reports the zkVM's typed errors by code, without a stack (a host key file others can read)", () => {
  const error = new HostConfigError(
    "HOST_KEY_PERMISSIONS",
    "backends.native: host key file data/native-host.key has mode 0644; it must be readable by its owner only",
  );
  expect(describeCliError(error)).toBe(
    "error (HOST_KEY_PERMISSIONS): backends.native: host key file data/native-host.key has mode 0644; it must be readable by its owner only",
  );
});

it("reports core's typed errors by code, and keeps the stack of an unexpected one", () => {
  expect(describeCliError(new PaasError("INVALID_CONFIG", "rpc.port: too big"))).toBe(
    "error (INVALID_CONFIG): rpc.port: too big",
  );
  const bug = new TypeError("cannot read properties of undefined");
  expect(describeCliError(bug)).toContain("at ");
});
