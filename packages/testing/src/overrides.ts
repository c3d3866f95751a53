import type { DependencyContainer, InjectionToken } from "tsyringe";

/** Replaces one collaborator a plugin would get from the container. */
export type Override<T = unknown> =
  | { readonly token: InjectionToken<T>; readonly useValue: T }
  | { readonly token: InjectionToken<T>; readonly useClass: new (...args: never[]) => T }
  | { readonly token: InjectionToken<T>; readonly useFactory: (container: DependencyContainer) => T };

export function applyOverrides(container: DependencyContainer, overrides: readonly Override[]): void {
  for (const override of overrides) {
    if ("useValue" in override) container.registerInstance(override.token, override.useValue);
    else if ("useClass" in override)
      container.register(override.token, { useClass: override.useClass as never });
    else container.register(override.token, { useFactory: override.useFactory });
  }
}
