import { createHash, timingSafeEqual } from "node:crypto";
import { HttpError } from "./http-error.js";

/**
 * The bearer-token check: undefined when the `Authorization` header carries the token, otherwise
 * the 401 to answer. Both sides are hashed first, so the comparison takes the same time whatever
 * the length or content of what was sent.
 */
export function bearerTokenCheck(
  token: string,
): (authorization: string | undefined) => HttpError | undefined {
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? "");
    if (!match) {
      return new HttpError(401, "UNAUTHORIZED", "missing bearer token: send Authorization: Bearer <token>");
    }
    if (!timingSafeEqual(digest(match[1]!), expected)) {
      return new HttpError(401, "UNAUTHORIZED", "the bearer token is not accepted by this server");
    }
    return undefined;
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
