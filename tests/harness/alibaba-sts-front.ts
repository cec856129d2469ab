// The loopback Alibaba fake with a TLS front before it, for specs that let @alicloud/credentials assume a role:
// it calls STS over HTTPS only, so the provider's `endpoints[].sts` names the front, and the process that makes
// the calls trusts the front's test certificate through NODE_EXTRA_CA_CERTS.

import { type AliRequest, type AliTrailSetup, FakeAlibaba } from "../fakes/alibaba";
import { type TestCertificate, type TlsFront, tlsFrontFor } from "../fakes/proxy";

/** The status, list and recorder calls the policies make (not STS). */
export const ALI_STATUS_ACTIONS: ReadonlySet<string> = new Set([
  "GetTrailStatus",
  "DescribeTrails",
  "GetConfigurationRecorder",
]);

export function aliStatusCalls(requests: readonly AliRequest[]): AliRequest[] {
  return requests.filter((r) => ALI_STATUS_ACTIONS.has(r.action));
}

export interface AlibabaWithStsFront {
  readonly fake: FakeAlibaba;
  /** The front's test certificate: its certFile goes into NODE_EXTRA_CA_CERTS. */
  readonly cert: TestCertificate;
  readonly front: TlsFront;
}

/**
 * Registers mocha hooks in the enclosing describe block: before() starts the fake and the TLS front, after()
 * stops both. The fields are there from before() on.
 */
export function alibabaWithStsFront(): AlibabaWithStsFront {
  let started: { fake: FakeAlibaba; cert: TestCertificate; front: TlsFront; close(): Promise<void> } | undefined;
  before(async () => {
    const fake = await FakeAlibaba.start();
    started = { fake, ...(await tlsFrontFor(fake.url)) };
  });
  after(async () => {
    await started?.close();
    await started?.fake.close();
  });
  const get = (): NonNullable<typeof started> => {
    if (!started) throw new Error("the Alibaba fake and its TLS front start in a before() hook");
    return started;
  };
  return {
    get fake() {
      return get().fake;
    },
    get cert() {
      return get().cert;
    },
    get front() {
      return get().front;
    },
  };
}

/** Seeds an account whose recorder is registered and whose trail `trail` has logged for a day. */
export function seedRecordingAccount(
  fake: FakeAlibaba,
  opts: {
    trail: string;
    setup: AliTrailSetup;
    resourceTypes?: string[];
    /** How long ago the trail last delivered. */
    deliveredMsAgo: number;
  },
): void {
  fake.recorder = { ConfigurationRecorderStatus: "REGISTERED", ResourceTypes: opts.resourceTypes ?? [] };
  const started = new Date(Date.now() - 86_400_000).toISOString();
  const delivered = new Date(Date.now() - opts.deliveredMsAgo).toISOString();
  fake.trails.set(opts.trail, { IsLogging: true, StartLoggingTime: started, LatestDeliveryTime: delivered });
  fake.trailSetups.set(opts.trail, opts.setup);
}
