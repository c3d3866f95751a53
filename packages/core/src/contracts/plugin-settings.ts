/**
 * Per-plugin settings from the app's config (`[plugins.<kind>]` in the prover client's TOML),
 * handed to plugins through the container. Each plugin validates its own section, so a new
 * proof type brings its own settings without an edit of the app.
 */
export class PluginSettings {
  constructor(private readonly byKind: Readonly<Record<string, unknown>> = {}) {}

  /** The raw settings of one kind (an empty object when the config has none). */
  for(kind: string): unknown {
    // Own sections only: "constructor" is a valid kind, and a property every object inherits.
    return Object.hasOwn(this.byKind, kind) ? (this.byKind[kind] ?? {}) : {};
  }

  /** The kinds the config has a section for. */
  kinds(): string[] {
    return Object.keys(this.byKind);
  }
}

/** Container token for `PluginSettings`; the builder registers an empty one if the app did not. */
export const PLUGIN_SETTINGS = "paas:plugin-settings";
