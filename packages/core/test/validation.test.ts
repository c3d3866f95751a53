import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  InvalidConfigError,
  InvalidContextError,
  InvalidParamsError,
  parseContextWith,
  parseParamsWith,
  parsePluginSettings,
} from "../src/index.js";

const settings = z.strictObject({ interval_ms: z.int().min(10).default(5_000) });

describe("plugin input checks", () => {
  it("take what the schema takes, with its defaults", () => {
    expect(parsePluginSettings("checkpoint", settings, undefined)).toEqual({ interval_ms: 5_000 });
    expect(parseParamsWith("m", z.tuple([z.int().optional()]), undefined)).toEqual([]);
  });

  it("say where the value came from and which field is wrong, in zod's words", () => {
    const config = () => parsePluginSettings("checkpoint", settings, { interval_ms: 1, intervalMs: 5 });
    expect(config).toThrow(InvalidConfigError);
    expect(config).toThrow(
      'plugin_settings.checkpoint: ✖ Unrecognized key: "intervalMs"\n✖ Too small: expected number to be >=10\n  → at interval_ms',
    );
    const context = () =>
      parseContextWith("checkpoint", z.strictObject({ kind: z.literal("checkpoint"), index: z.int() }), {
        kind: "checkpoint",
        index: "3",
      });
    expect(context).toThrow(InvalidContextError);
    expect(context).toThrow(
      /^invalid checkpoint context: ✖ Invalid input: expected number, received string\n {2}→ at index$/,
    );
    const params = () => parseParamsWith("paas_proveCheckpoint", z.tuple([z.int().min(0)]), [-1]);
    expect(params).toThrow(InvalidParamsError);
    expect(params).toThrow(/^paas_proveCheckpoint: ✖ Too small: expected number to be >=0\n {2}→ at \[0\]$/);
  });
});
