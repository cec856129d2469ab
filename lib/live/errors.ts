// Reading thrown values of any shape (SDK errors, Node network errors, anything) without trusting them.

/** Node socket error codes that mean the endpoint could not be reached or dropped the connection. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

function stringField(e: unknown, key: string): string {
  if (!e || typeof e !== "object") return "";
  const v = (e as Record<string, unknown>)[key];
  return typeof v === "string" ? v : "";
}

export function errorName(e: unknown): string {
  return stringField(e, "name");
}

export function errorCode(e: unknown): string {
  return stringField(e, "code");
}

export function errorMessage(e: unknown): string {
  if (e && typeof e === "object") return stringField(e, "message") || errorName(e) || String(e);
  return String(e);
}

export function optionalString(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
