// Secrets reach policies in plaintext (provider keys, tokens). Every message the pack emits passes
// through here, so no credential value can leak even if an SDK error echoes one.

const registered = new Set<string>();
const MIN_SECRET_LENGTH = 6;

const SECRET_ENV = [
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_ACCESS_KEY_ID",
  "ALIBABA_CLOUD_ACCESS_KEY_ID",
  "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
  "ALIBABA_CLOUD_SECURITY_TOKEN",
  "ALICLOUD_ACCESS_KEY",
  "ALICLOUD_SECRET_KEY",
  "ALICLOUD_SECURITY_TOKEN",
];

export function registerSecret(value: unknown): void {
  if (typeof value === "string" && value.length >= MIN_SECRET_LENGTH) registered.add(value);
}

export function redact(text: string): string {
  let out = text;
  const secrets = [...registered];
  for (const name of SECRET_ENV) {
    const v = process.env[name];
    if (v && v.length >= MIN_SECRET_LENGTH) secrets.push(v);
  }
  // JSON.parse quotes a window of the reply it failed on (`Unexpected token 'k', ..."ng": tr AKIAC"... is not
  // valid JSON`): raw reply bytes, possibly a secret cut where no pattern below can recognise it. Withhold it.
  out = out.replace(
    /(Unexpected token '.{1,2}'), (?:\.\.\.)?".*?"(?:\.\.\.)? is not valid JSON/gs,
    "$1 in a reply that is not valid JSON (excerpt withheld)",
  );
  // Each secret also as it travels in a reply: percent-encoded (query strings and canonical requests
  // echoed by signature errors; session tokens carry '/', '+', '='), twice-encoded, JSON-escaped.
  // Longest first, so a secret containing another is replaced whole.
  const forms = [...new Set(secrets.flatMap(encodedForms))].sort((a, b) => b.length - a.length);
  for (const s of forms) if (out.includes(s)) out = out.split(s).join("[redacted]");
  // Shapes of AWS and Alibaba Cloud access key ids and signatures, in case an error echoes one we never saw.
  return out
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, "[redacted]")
    .replace(/\bLTAI[A-Za-z0-9]{12,}\b/g, "[redacted]")
    .replace(/Signature=[0-9a-f]{32,}/gi, "Signature=[redacted]");
}

function encodedForms(secret: string): string[] {
  const uri = encodeURIComponent(secret);
  return [
    secret,
    uri,
    uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    encodeURIComponent(uri),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
  ];
}

/** Single line, bounded length, redacted: the form service text takes in a diagnostic. */
export function quote(text: string, max = 300): string {
  const one = redact(text).replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
