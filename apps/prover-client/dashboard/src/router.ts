/**
 * Hash routes, so the page works from any static server path and a reload keeps the view:
 * `#/` overview, `#/checkpoints`, `#/tasks?kind=…&status=…&backend=…`, `#/tasks/<task key>`.
 */
import { useEffect, useState } from "preact/hooks";

export interface Route {
  readonly path: string;
  readonly query: URLSearchParams;
}

function parse(hash: string): Route {
  const [path = "/", query = ""] = hash.replace(/^#/, "").split("?", 2);
  return { path: path || "/", query: new URLSearchParams(query) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const update = () => setRoute(parse(location.hash));
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}

export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const search = params.toString();
  return `#${path}${search ? `?${search}` : ""}`;
}

export function navigate(path: string, query: Record<string, string | undefined> = {}): void {
  location.hash = href(path, query);
}
