// Stacks and Regions shared by the bench (run.ts), the sweep bench (sweep.ts) and the profiler (profile.ts).

import type { FakeAws } from "../tests/fakes/aws";
import { explicitProvider, resource, type ResourceSpec, stackResource } from "../tests/harness/analyzer";

export const SIXTEEN_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-north-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-south-1",
  "sa-east-1",
  "ca-central-1",
];

/**
 * Account coverage (issue 9): an application stack of 2,000 resources over 16 regions in 3 accounts, each
 * account with one multi-region trail and a recorder per region except us-east-1 (3 Config gaps to report).
 */
export function coverageStack(fake: FakeAws): ResourceSpec[] {
  const accounts = ["111111111111", "222222222222", "333333333333"];
  const stack: ResourceSpec[] = [stackResource()];
  const providers = accounts.flatMap((account, a) =>
    SIXTEEN_REGIONS.map((region) => {
      const key = `AKIACOVERAGE${String(a).padStart(8, "0")}`;
      fake.accounts.set(key, account);
      return explicitProvider("aws", `acct-${a}-${region}`, {
        region,
        accessKey: key,
        secretKey: `bench-secret-${a}`,
        endpoints: [{ cloudtrail: fake.url, configservice: fake.url, sts: fake.url }],
      });
    }),
  );
  for (const [a, account] of accounts.entries()) {
    const arn = `arn:aws:cloudtrail:us-east-1:${account}:trail/baseline-${a}`;
    fake.trails.set(arn, { IsLogging: true, StartLoggingTime: Date.now() / 1000 - 86_400 });
    fake.trailSetups.set(arn, { isMultiRegion: true });
  }
  for (const region of SIXTEEN_REGIONS.slice(1)) {
    fake.recorders.set(`${region}/default`, { recording: true, lastStatus: "SUCCESS" });
  }
  for (let i = 0; stack.length < 2_000; i++) {
    const provider = providers[i % providers.length];
    if (provider)
      stack.push(
        resource("aws:s3/bucketV2:BucketV2", `app-${i}`, { id: `app-${i}`, bucket: `app-${i}` }, { provider }),
      );
  }
  return stack;
}
