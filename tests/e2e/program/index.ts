// The Pulumi program of the end-to-end tests, with the real @pulumi/aws and @pulumi/alicloud resource classes (their
// type tokens and input names are the providers' own; the compile against their types checks that). The test
// provider plugin stands in for the providers' binaries; the loopback fakes stand in for the clouds.
//
// Providers: an explicit AWS provider with endpoints, region and keys (secret key from secret config); the default
// AWS provider from stack config (aws:region, aws:endpoints, aws:accessKey, secret aws:secretKey); the default
// Alibaba provider from stack config; an explicit Alibaba provider.

import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as alicloud from "@pulumi/alicloud";

export function program(): void {
  const e2e = new pulumi.Config("e2e");
  const awsUrl = e2e.require("awsEndpoint");
  const aliUrl = e2e.require("aliEndpoint");

  const explicit = new aws.Provider("aws-explicit", {
    region: "us-east-1",
    accessKey: e2e.require("awsAccessKey"),
    secretKey: e2e.requireSecret("awsSecretKey"),
    endpoints: [{ cloudtrail: awsUrl, configservice: awsUrl, sts: awsUrl }],
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: true,
  });
  const viaExplicit = { provider: explicit };
  const recorder = new aws.cfg.Recorder(
    "main-recorder",
    {
      name: "main",
      roleArn: "arn:aws:iam::123456789012:role/config",
      recordingGroup: { allSupported: true, includeGlobalResourceTypes: true },
    },
    viaExplicit,
  );
  const channel = new aws.cfg.DeliveryChannel(
    "main-channel",
    { name: "main", s3BucketName: "config-logs" },
    { ...viaExplicit, dependsOn: [recorder] },
  );
  new aws.cfg.RecorderStatus(
    "main-status",
    { name: recorder.name, isEnabled: true },
    { ...viaExplicit, dependsOn: [channel] },
  );
  const trail = {
    s3BucketName: "audit-logs",
    enableLogging: true,
    isMultiRegionTrail: true,
    includeGlobalServiceEvents: true,
    enableLogFileValidation: true,
  };
  new aws.cloudtrail.Trail("main-trail", { name: "main-trail", ...trail }, viaExplicit);

  // The default AWS provider, configured by stack config only.
  new aws.cloudtrail.Trail("default-trail", { name: "default-trail", ...trail });

  // Alibaba Cloud: the default provider from stack config, and an explicit one.
  new alicloud.cfg.ConfigurationRecorder("ali-recorder", {});
  const aliTrail = { status: "Enable", trailRegion: "All", eventRw: "All", ossBucketName: "audit-oss" };
  new alicloud.actiontrail.Trail("ali-trail", { trailName: "ali-trail", ...aliTrail });
  const aliExplicit = new alicloud.Provider("ali-explicit", {
    region: "cn-shanghai",
    accessKey: e2e.require("aliAccessKey"),
    secretKey: e2e.requireSecret("aliSecretKey"),
    // sts: the account-coverage policies ask GetCallerIdentity there (else sts.aliyuncs.com).
    endpoints: [{ actiontrail: aliUrl, config: aliUrl, sts: aliUrl }],
  });
  new alicloud.actiontrail.Trail(
    "ali-explicit-trail",
    { trailName: "ali-explicit-trail", ...aliTrail },
    { provider: aliExplicit },
  );
}
