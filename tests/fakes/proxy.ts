// A loopback forward proxy, as companies run them: absolute-URI HTTP requests are forwarded, HTTPS goes
// through CONNECT tunnels. It records every request it is asked to carry and forwards only to the host
// names a test maps to loopback servers; any other host (a real AWS name) is refused, so nothing leaves
// the machine. Also a TLS front for a loopback fake, with a throwaway certificate made by openssl.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";

export interface ProxiedRequest {
  /** "CONNECT" for a tunnel, else the HTTP method of a forwarded request. */
  method: string;
  /** host:port the client asked for. */
  target: string;
  /** Whether it was carried (the host is mapped) or refused. */
  carried: boolean;
}

export class FakeProxy {
  readonly seen: ProxiedRequest[] = [];
  /** Host name (lower case) → loopback port that serves it. */
  readonly routes = new Map<string, number>();
  url = "";
  private server!: http.Server;
  private readonly sockets = new Set<net.Socket>();

  static async start(): Promise<FakeProxy> {
    const p = new FakeProxy();
    p.server = http.createServer((req, res) => p.forward(req, res));
    p.server.on("connect", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) =>
      p.tunnel(req, socket, head),
    );
    p.server.on("connection", (s: net.Socket) => {
      p.sockets.add(s);
      s.on("close", () => p.sockets.delete(s));
    });
    await new Promise<void>((resolve) => p.server.listen(0, "127.0.0.1", resolve));
    p.url = `http://127.0.0.1:${(p.server.address() as net.AddressInfo).port}`;
    return p;
  }

  hosts(): string[] {
    return this.seen.map((r) => r.target.replace(/:\d+$/, ""));
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end("absolute URI required");
      return;
    }
    const port = this.routes.get(url.hostname.toLowerCase());
    this.seen.push({ method: req.method ?? "", target: `${url.hostname}:${url.port || "80"}`, carried: !!port });
    if (!port) {
      res.writeHead(502).end("refused by the test proxy");
      return;
    }
    const upstream = http.request(
      { host: "127.0.0.1", port, method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  }

  private tunnel(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const target = req.url ?? "";
    const host = target.replace(/:\d+$/, "").toLowerCase();
    const port = this.routes.get(host);
    this.seen.push({ method: "CONNECT", target, carried: !!port });
    if (!port) {
      socket.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    const upstream = net.connect(port, "127.0.0.1", () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    this.sockets.add(upstream);
    upstream.on("close", () => this.sockets.delete(upstream));
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface TestCertificate {
  dir: string;
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/** A self-signed certificate for the given names and 127.0.0.1, valid for a day, made with openssl. */
export function makeCertificate(names: string[]): TestCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-cert-"));
  const certFile = path.join(dir, "ca.pem");
  const keyFile = path.join(dir, "key.pem");
  const san = [...names.map((n) => `DNS:${n}`), "IP:127.0.0.1"].join(",");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "1",
      "-subj",
      `/CN=${names[0] ?? "localhost"}`,
      "-addext",
      `subjectAltName=${san}`,
    ],
    { stdio: "ignore" },
  );
  return { dir, certFile, keyFile, cert: fs.readFileSync(certFile, "utf8"), key: fs.readFileSync(keyFile, "utf8") };
}

/** Terminates TLS on a loopback port and hands the plain bytes to a loopback HTTP server. */
export class TlsFront {
  port = 0;
  private server!: tls.Server;
  private readonly sockets = new Set<net.Socket>();

  static async start(cert: TestCertificate, backendPort: number): Promise<TlsFront> {
    const front = new TlsFront();
    front.server = tls.createServer({ cert: cert.cert, key: cert.key }, (clear) => {
      const backend = net.connect(backendPort, "127.0.0.1");
      front.sockets.add(clear);
      front.sockets.add(backend);
      clear.pipe(backend);
      backend.pipe(clear);
      clear.on("error", () => backend.destroy());
      backend.on("error", () => clear.destroy());
      clear.on("close", () => front.sockets.delete(clear));
      backend.on("close", () => front.sockets.delete(backend));
    });
    front.server.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve) => front.server.listen(0, "127.0.0.1", resolve));
    front.port = (front.server.address() as net.AddressInfo).port;
    return front;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A TLS front with its own test certificate (for localhost) before a loopback fake, for
 * clients that speak HTTPS only; `close` stops it and removes the certificate.
 */
export async function tlsFrontFor(
  backendUrl: string,
): Promise<{ front: TlsFront; cert: TestCertificate; close(): Promise<void> }> {
  const cert = makeCertificate(["localhost"]);
  const front = await TlsFront.start(cert, Number(new URL(backendUrl).port));
  return {
    front,
    cert,
    close: async () => {
      await front.close();
      fs.rmSync(cert.dir, { recursive: true, force: true });
    },
  };
}
