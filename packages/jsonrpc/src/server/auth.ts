import { createHash, timingSafeEqual } from "node:crypto";

/** What a request's `Authorization` header says about the server's bearer token. */
export type BearerCheck = "valid" | "missing" | "wrong";

/**
 * Checks an `Authorization: Bearer <token>` header in constant time. Both sides are hashed first so
 * the comparison does not leak the token's length either. A header that is present but not a
 * matching bearer token is "wrong", so the caller is told to fix its token rather than to add one.
 */
export function checkBearer(header: string | undefined, token: string): BearerCheck {
  if (header === undefined || header.trim() === "") return "missing";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return "wrong";
  return timingSafeEqual(digest(match[1]!), digest(token)) ? "valid" : "wrong";
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
