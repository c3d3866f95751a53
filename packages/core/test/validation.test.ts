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
      'plugin_settings.checkpoint: ✖ Unrecognized key: "intervalMs" (did you mean "interval_ms"?)\n✖ Too small: expected number to be >=10\n  → at interval_ms',
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

  it("say which key an unknown one meant, when one is near, as the prover client's config does", () => {
    const schema = z.strictObject({
      interval_ms: z.int().optional(),
      window: z.int().optional(),
      horizon: z.int().optional(),
    });
    const parse = (raw: unknown) => () => parsePluginSettings("checkpoint", schema, raw);
    // A unit left out, a letter swapped; a name near none is not guessed at.
    expect(parse({ interval: 5 })).toThrow(
      'plugin_settings.checkpoint: ✖ Unrecognized key: "interval" (did you mean "interval_ms"?)',
    );
    expect(parse({ widnow: 2, horizn: 3, colour: 1 })).toThrow(
      'plugin_settings.checkpoint: ✖ Unrecognized keys: "widnow", "horizn", "colour" (did you mean "window" for "widnow", "horizon" for "horizn"?)',
    );
    expect(parse({ colour: 1 })).toThrow(/^plugin_settings\.checkpoint: ✖ Unrecognized key: "colour"$/);
  });
});
