// How an AWS live call reaches the service, as the AWS provider would: proxies, CA bundle, TLS checks.
// The provider (terraform-provider-aws through hashicorp/aws-sdk-go-base) builds a Go http.Transport
// whose proxy comes from golang.org/x/net/http/httpproxy.FromEnvironment(), then overrides it with
// the provider's httpProxy / httpsProxy / noProxy in "legacy" mode (an httpProxy alone also serves
// HTTPS when the environment names no HTTPS proxy). The choice of proxy per URL below follows
// httpproxy's rules, which differ from curl's and from npm's proxy-from-env: loopback and
// "localhost" are never proxied, NO_PROXY takes CIDRs, IPs, host:port, ".suffix" and "*.suffix".
// Pure, apart from the agents at the end, which are built only when a call is made.

import type { Agent } from "node:http";
import { isIP, BlockList } from "node:net";
import { domainToASCII } from "node:url";

export interface ProxySettings {
  /** Proxy for http:// URLs ("" = none). */
  http: string;
  /** Proxy for https:// URLs ("" = none). */
  https: string;
  /** NO_PROXY list as httpproxy reads it. */
  noProxy: string;
}

export interface AwsNetwork {
  proxy: ProxySettings;
  /** PEM file trusted instead of the system roots: provider customCaBundle, else AWS_CA_BUNDLE. */
  caBundleFile?: string;
  /** The provider's `insecure`: TLS certificates are not verified, as the provider does not verify them. */
  insecure: boolean;
  useFipsEndpoint: boolean;
  useDualstackEndpoint: boolean;
}

/** The first non-empty of the variables, as httpproxy's getEnvAny. */
function envAny(env: NodeJS.ProcessEnv, ...names: string[]): string {
  for (const n of names) {
    const v = env[n];
    if (v) return v;
  }
  return "";
}

/** httpproxy.FromEnvironment(): upper case first, then lower case. */
export function proxyFromEnvironment(env: NodeJS.ProcessEnv): ProxySettings {
  return {
    http: envAny(env, "HTTP_PROXY", "http_proxy"),
    https: envAny(env, "HTTPS_PROXY", "https_proxy"),
    noProxy: envAny(env, "NO_PROXY", "no_proxy"),
  };
}

/**
 * aws-sdk-go-base Config.HTTPTransportOptions with HTTPProxyModeLegacy (the mode terraform-provider-aws
 * sets): provider values override the environment; an httpProxy alone also proxies HTTPS unless the
 * environment names an HTTPS proxy; a non-empty noProxy replaces NO_PROXY.
 */
export function proxySettings(
  provider: { httpProxy?: string | undefined; httpsProxy?: string | undefined; noProxy?: string | undefined },
  env: NodeJS.ProcessEnv,
): ProxySettings {
  const out = proxyFromEnvironment(env);
  if (provider.httpProxy !== undefined) {
    out.http = provider.httpProxy;
    if (out.https === "") out.https = provider.httpProxy;
  }
  if (provider.httpsProxy !== undefined) out.https = provider.httpsProxy;
  if (provider.noProxy) out.noProxy = provider.noProxy;
  return out;
}

/** httpproxy's parseProxy: a value without scheme (or host) is read as http://value. */
export function parseProxyUrl(proxy: string): URL | undefined {
  if (proxy === "") return undefined;
  try {
    const u = new URL(proxy);
    if (u.protocol && u.host) return u;
  } catch {
    // retried with a scheme below
  }
  try {
    return new URL(`http://${proxy}`);
  } catch {
    return undefined;
  }
}

type Matcher =
  | { kind: "all" }
  | { kind: "cidr"; list: BlockList }
  | { kind: "ip"; ip: BlockList; port: string }
  | { kind: "domain"; host: string; port: string; matchHost: boolean };

/** Splits "host:port" / "[v6]:port" the way net.SplitHostPort does; undefined when there is no port part. */
function splitHostPort(s: string): { host: string; port: string } | undefined {
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0 || s[end + 1] !== ":") return undefined;
    return { host: s.slice(1, end), port: s.slice(end + 2) };
  }
  const i = s.lastIndexOf(":");
  if (i < 0 || s.indexOf(":") !== i) return undefined; // none, or a bare IPv6 address
  return { host: s.slice(0, i), port: s.slice(i + 1) };
}

function parseCidr(p: string): BlockList | undefined {
  const slash = p.indexOf("/");
  if (slash < 0) return undefined;
  const ip = p.slice(0, slash);
  const bits = Number(p.slice(slash + 1));
  const family = isIP(ip);
  if (!family || !/^\d+$/.test(p.slice(slash + 1)) || bits > (family === 4 ? 32 : 128)) return undefined;
  const list = new BlockList();
  list.addSubnet(ip, bits, family === 4 ? "ipv4" : "ipv6");
  return list;
}

/** httpproxy config.init(): the NO_PROXY entries as matchers. */
export function noProxyMatchers(noProxy: string): Matcher[] {
  const out: Matcher[] = [];
  for (const raw of noProxy.split(",")) {
    const p = raw.trim().toLowerCase();
    if (p === "") continue;
    if (p === "*") return [{ kind: "all" }];
    const cidr = parseCidr(p);
    if (cidr) {
      out.push({ kind: "cidr", list: cidr });
      continue;
    }
    let host = p;
    let port = "";
    const hp = splitHostPort(p);
    if (hp) {
      if (hp.host === "") continue; // no host part: malformed, ignored
      host = hp.host.startsWith("[") && hp.host.endsWith("]") ? hp.host.slice(1, -1) : hp.host;
      port = hp.port;
    }
    const family = isIP(host);
    if (family) {
      // A one-address list compares the way net.IP.Equal does (any IPv6 spelling).
      const ip = new BlockList();
      ip.addAddress(host, family === 4 ? "ipv4" : "ipv6");
      out.push({ kind: "ip", ip, port });
      continue;
    }
    if (host === "") continue;
    if (host.startsWith("*.")) host = host.slice(1);
    let matchHost = false;
    if (!host.startsWith(".")) {
      matchHost = true;
      host = `.${host}`;
    }
    const ascii = domainToASCII(host.slice(1));
    if (ascii) host = `.${ascii}`;
    out.push({ kind: "domain", host, port, matchHost });
  }
  return out;
}

function ipMatches(list: BlockList, ip: string): boolean {
  return list.check(ip, isIP(ip) === 6 ? "ipv6" : "ipv4");
}

/** httpproxy config.useProxy(addr) for a URL: false when NO_PROXY (or loopback) exempts it. */
export function useProxy(url: URL, noProxy: string): boolean {
  let host = url.hostname.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  if (host === "localhost") return false;
  const ipFamily = isIP(host);
  if (ipFamily) {
    const loopback = new BlockList();
    loopback.addSubnet("127.0.0.0", 8, "ipv4");
    loopback.addAddress("::1", "ipv6");
    if (ipMatches(loopback, host)) return false;
  } else {
    host = domainToASCII(host) || host;
  }
  for (const m of noProxyMatchers(noProxy)) {
    switch (m.kind) {
      case "all":
        return false;
      case "cidr":
        if (ipFamily && ipMatches(m.list, host)) return false;
        break;
      case "ip":
        if (ipFamily && ipMatches(m.ip, host) && (m.port === "" || m.port === port)) return false;
        break;
      case "domain":
        if (!ipFamily && (host.endsWith(m.host) || (m.matchHost && host === m.host.slice(1)))) {
          if (m.port === "" || m.port === port) return false;
        }
        break;
    }
  }
  return true;
}

/** httpproxy ProxyFunc: the proxy for a request URL, or undefined for a direct connection. */
export function proxyForUrl(settings: ProxySettings, url: URL): URL | undefined {
  const proxy =
    url.protocol === "https:"
      ? parseProxyUrl(settings.https)
      : url.protocol === "http:"
        ? parseProxyUrl(settings.http)
        : undefined;
  if (!proxy) return undefined;
  return useProxy(url, settings.noProxy) ? proxy : undefined;
}

/** True when the settings change nothing about how Node would connect (no agents needed). */
export function isPlainNetwork(n: AwsNetwork): boolean {
  return n.proxy.http === "" && n.proxy.https === "" && !n.caBundleFile && !n.insecure;
}

/** Stable id of the network settings, for client and credential memo keys. */
export function networkId(n: AwsNetwork): string {
  return JSON.stringify([n.proxy, n.caBundleFile ?? "", n.insecure, n.useFipsEndpoint, n.useDualstackEndpoint]);
}

export interface Agents {
  httpAgent: Agent;
  httpsAgent: Agent;
  destroy(): void;
}

type AgentBaseModule = typeof import("agent-base");
type HttpsProxyModule = typeof import("https-proxy-agent");
type HttpProxyModule = typeof import("http-proxy-agent");

/**
 * Agents that route each request as the provider's transport would: through the proxy httpproxy picks
 * for its URL (CONNECT for HTTPS, absolute-URI requests for HTTP, via TooTallNate's agents), or
 * direct. `ca` is the CA bundle's PEM text; it replaces the system roots, as Go's RootCAs pool does.
 */
export function routingAgents(network: AwsNetwork, ca: string | undefined): Agents {
  const http = require("node:http") as typeof import("node:http");
  const https = require("node:https") as typeof import("node:https");
  const { Agent: AgentBase } = require("agent-base") as AgentBaseModule;
  const { HttpsProxyAgent } = require("https-proxy-agent") as HttpsProxyModule;
  const { HttpProxyAgent } = require("http-proxy-agent") as HttpProxyModule;
  const tls = { ...(ca !== undefined ? { ca } : {}), ...(network.insecure ? { rejectUnauthorized: false } : {}) };
  const direct = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true, ...tls }) };
  if (network.proxy.http === "" && network.proxy.https === "") {
    // Only TLS settings (a CA bundle, insecure): Node's own agents carry them; no routing needed.
    return {
      httpAgent: direct.http,
      httpsAgent: direct.https,
      destroy: () => {
        direct.http.destroy();
        direct.https.destroy();
      },
    };
  }
  const viaProxy = new Map<string, Agent>();
  const created: Agent[] = [direct.http, direct.https];
  const proxyAgent = (proxy: URL, secure: boolean): Agent => {
    const key = `${secure ? "s" : "p"} ${proxy.href}`;
    let agent = viaProxy.get(key);
    if (!agent) {
      agent = secure
        ? new HttpsProxyAgent(proxy, { keepAlive: true, ...tls })
        : new HttpProxyAgent(proxy, { keepAlive: true, ...tls });
      viaProxy.set(key, agent);
      created.push(agent);
    }
    return agent;
  };
  class Router extends AgentBase {
    constructor(
      private readonly secure: boolean,
      opts?: import("node:https").AgentOptions,
    ) {
      super(opts);
    }
    // Each router serves one scheme. Saying so spares agent-base its fallback, a stack trace per
    // request (costly under the language host's source-map hook: ~1 ms a call).
    override isSecureEndpoint(): boolean {
      return this.secure;
    }
    connect(_req: import("node:http").ClientRequest, opts: import("agent-base").AgentConnectOpts): Agent {
      const secure = opts.secureEndpoint;
      const host = opts.host ?? "localhost";
      const url = new URL(`${secure ? "https" : "http"}://${isIP(host) === 6 ? `[${host}]` : host}:${opts.port}/`);
      const proxy = proxyForUrl(network.proxy, url);
      if (proxy) return proxyAgent(proxy, secure);
      return secure ? direct.https : direct.http;
    }
  }
  const httpAgent = new Router(false);
  // TLS options on the router itself: Node merges an agent's options into each request's, and
  // HttpsProxyAgent takes the tunnelled TLS settings from the request (its own are for the proxy).
  const httpsAgent = new Router(true, tls as import("node:https").AgentOptions);
  return {
    httpAgent,
    httpsAgent,
    destroy: () => {
      for (const a of [httpAgent, httpsAgent, ...created]) a.destroy();
    },
  };
}
