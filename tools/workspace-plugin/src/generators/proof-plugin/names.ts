/**
 * Names derived from a proof type's kind. A kind is lower-case words of a-z and 0-9 joined by "-",
 * starting with a letter (core's `isValidKind`); the same string is the Nx project name, the
 * directory under plugins/ and the suffix of the npm package name.
 */
export const KIND_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const MAX_KIND_LENGTH = 64;

export function isValidKind(kind: string): boolean {
  return KIND_PATTERN.test(kind) && kind.length <= MAX_KIND_LENGTH;
}

/**
 * Why Nx cannot take a valid name as a project's, or undefined when it can. Nx keeps projects by
 * name in plain objects, so a project named after a property every object has (`constructor`)
 * makes every nx command of the workspace fail, not only the new project's.
 */
export function nxNameProblem(name: string): string | undefined {
  return name in Object.prototype
    ? `"${name}" cannot name an Nx project: it is a property every JavaScript object has, and Nx would fail on every command of the workspace`
    : undefined;
}

const words = (kind: string) => kind.split("-");
const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** `demo-sum` → `DemoSum` */
export const pascalCase = (kind: string) => words(kind).map(capitalize).join("");
/** `demo-sum` → `demoSum` */
export const camelCase = (kind: string) => {
  const pascal = pascalCase(kind);
  return pascal.charAt(0).toLowerCase() + pascal.slice(1);
};
/** `demo-sum` → `DEMO_SUM` */
export const constantCase = (kind: string) => words(kind).join("_").toUpperCase();

export const packageNameOf = (kind: string) => `@paas/plugin-${kind}`;
