// Org-wide sweep fixtures (docs/sweeps.md) shared by the sweep specs: the organisation seeded on the AWS fake, the
// policy config that makes both coverage policies mandatory, and the reader roles a sweep assumed.

import type { FakeAlibaba } from "../fakes/alibaba";
import type { FakeAws } from "../fakes/aws";

export interface RegionalTrailOrg {
  accounts: readonly string[];
  regions: readonly string[];
  /** The one (account, region) whose trail is stopped. */
  stopped: { account: string; region: string };
  /** The key STS issues for an account's reader role. */
  readerKey: (account: string) => string;
}

/**
 * Seeds every account's reader role (arn:aws:iam::{account}:role/auditguard-reader), a single-region trail
 * `regional` in each region, logging for a day except the stopped one (stopped an hour ago), and a recording
 * recorder in each region.
 */
export function seedRegionalTrailOrg(fake: FakeAws, org: RegionalTrailOrg): void {
  const t = Math.floor(Date.now() / 1000);
  for (const account of org.accounts) {
    fake.roles.set(`arn:aws:iam::${account}:role/auditguard-reader`, org.readerKey(account));
    for (const region of org.regions) {
      const arn = `arn:aws:cloudtrail:${region}:${account}:trail/regional`;
      const stopped = account === org.stopped.account && region === org.stopped.region;
      fake.trails.set(
        arn,
        stopped
          ? { IsLogging: false, StopLoggingTime: t - 3600 }
          : { IsLogging: true, StartLoggingTime: t - 86_400, LatestDeliveryTime: t - 300 },
      );
      fake.trailSetups.set(arn, { isMultiRegion: false });
    }
  }
  for (const region of org.regions) fake.recorders.set(`${region}/default`, { recording: true, lastStatus: "SUCCESS" });
}

/** A policy config file's content: both AWS coverage policies mandatory, `live` as auditguard-live-verification's. */
export function mandatoryAwsCoverageConfig(live: Record<string, unknown>): string {
  return JSON.stringify({
    "aws-cloudtrail-account-coverage": { enforcementLevel: "mandatory" },
    "aws-config-account-coverage": { enforcementLevel: "mandatory" },
    "auditguard-live-verification": live,
  });
}

/** Every AssumeRole call the AWS fake saw, as [role ARN, signing key], sorted. */
export function awsAssumedRoles(fake: FakeAws): unknown[][] {
  return fake
    .calls("AssumeRole")
    .map((r) => [r.body["RoleArn"], r.accessKeyId])
    .sort();
}

/** Every AssumeRole call the Alibaba fake saw, as [role ARN, signing key], sorted. */
export function aliAssumedRoles(fake: FakeAlibaba): (string | undefined)[][] {
  return fake
    .calls("AssumeRole")
    .map((r) => [r.form["RoleArn"], r.accessKeyId])
    .sort();
}
