// The loopback HTTP server both cloud fakes stand on: listens on an ephemeral 127.0.0.1 port, keeps every
// request it parsed, and carries the fault hook and added latency a test sets. Each fake parses and
// answers in its own handle().

import http from "node:http";
import type { AddressInfo } from "node:net";

export abstract class LoopbackFake<Req extends { action: string }, F> {
  readonly requests: Req[] = [];
  fault: ((req: Req) => F | undefined) | undefined;
  latencyMs = 0;
  /**
   * Writes ("service:action") a test means to allow: only `auditguard start --yes` tests set it. Requests
   * for them are marked in the suite-wide registry, which the read-only audit lets through; nothing else is.
   */
  readonly permitWrites = new Set<string>();
  private server!: http.Server;
  url = "";

  /** Starts listening; a handler that throws before answering gets a bare 500. */
  protected async listen(): Promise<void> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests of one action, e.g. "GetTrailStatus". */
  calls(action: string): Req[] {
    return this.requests.filter((r) => r.action === action);
  }

  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
