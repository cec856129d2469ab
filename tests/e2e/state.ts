// Builds a state file in the format `pulumi stack export` writes (deployment v3), for `pulumi policy analyze
// --file`. Resources carry inputs and outputs as the providers store them; explicit providers carry their inputs
// with non-string values JSON-encoded (as the generated SDK constructors send them) plus `version`, and resources
// point at them by `<provider urn>::<provider id>`.

import { randomUUID } from "node:crypto";

/** A secret as an export with `--show-secrets` writes it: the CLI decodes it without a secrets provider. */
export interface ExportedSecret {
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270";
  plaintext: string;
}
export function exportedSecret(value: unknown): ExportedSecret {
  return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(value) };
}

/**
 * A secret encrypted by a passphrase secrets manager this test does not have the passphrase of: `policy analyze
 * --file` cannot decrypt it and hands the pack the string "[secret]" instead.
 */
export function undecryptableSecret(): { "4dabf18193072939515e22adb298388d": string; ciphertext: string } {
  return {
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    ciphertext: "v1:AAAAAAAAAAAAAAAA:BBBBBBBB",
  };
}
/** A passphrase secrets manager whose passphrase is not the test's (see undecryptableSecret). */
const FOREIGN_SECRETS_PROVIDER = {
  type: "passphrase",
  state: { salt: "v1:c2FsdHNhbHQ=:v1:YWJjZGVmZ2hpams=:aGVsbG8=" },
};

interface StateResource {
  urn: string;
  custom: boolean;
  id?: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  parent?: string;
  provider?: string;
}

export class StateFile {
  private readonly resources: StateResource[] = [];
  readonly stackUrn: string;

  constructor(
    readonly stack = "dev",
    readonly project = "auditguard-e2e",
    /** The state holds undecryptableSecret() values (it then names a secrets manager). */
    private readonly foreignSecrets = false,
  ) {
    this.stackUrn = this.urn("pulumi:pulumi:Stack", `${project}-${stack}`);
    this.resources.push({ urn: this.stackUrn, custom: false, type: "pulumi:pulumi:Stack", outputs: {} });
  }

  urn(type: string, name: string): string {
    return `urn:pulumi:${this.stack}::${this.project}::${type}::${name}`;
  }

  /** An explicit provider; returns the reference resources use. */
  provider(pkg: string, name: string, version: string, inputs: Record<string, unknown>): string {
    const stored: Record<string, unknown> = { version };
    for (const [k, v] of Object.entries(inputs)) {
      stored[k] = typeof v === "string" || isSecret(v) ? v : JSON.stringify(v);
    }
    const urn = this.urn(`pulumi:providers:${pkg}`, name);
    const id = randomUUID();
    this.resources.push({
      urn,
      custom: true,
      id,
      type: `pulumi:providers:${pkg}`,
      inputs: stored,
      outputs: stored,
      parent: this.stackUrn,
    });
    return `${urn}::${id}`;
  }

  /** A custom resource with its outputs (`id` included); inputs default to the outputs without `id`. */
  resource(type: string, name: string, outputs: Record<string, unknown>, provider: string): string {
    const urn = this.urn(type, name);
    const { id, ...inputs } = outputs;
    this.resources.push({
      urn,
      custom: true,
      id: String(id),
      type,
      inputs,
      outputs,
      parent: this.stackUrn,
      provider,
    });
    return urn;
  }

  toJSON(): unknown {
    return {
      version: 3,
      deployment: {
        manifest: { time: new Date().toISOString(), magic: "", version: "v3.276.0" },
        ...(this.foreignSecrets ? { secrets_providers: FOREIGN_SECRETS_PROVIDER } : {}),
        resources: this.resources,
      },
    };
  }
}

function isSecret(v: unknown): boolean {
  return typeof v === "object" && v !== null && "4dabf18193072939515e22adb298388d" in v;
}
