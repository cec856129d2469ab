// auditguard: is this stack's cloud actually recording? The pack is this list of policies.
import { PolicyPack } from "@pulumi/policy";
import { installEngineHooks } from "./lib/engine";
import { LIVE_KINDS } from "./lib/live/kinds";
import { installPrewarm } from "./lib/live/prewarm";
import { registerKinds } from "./lib/live/round";
import * as alicloudActiontrailTrailDeclared from "./policies/alicloud-actiontrail-trail-declared";
import * as alicloudActiontrailTrailLogging from "./policies/alicloud-actiontrail-trail-logging";
import * as alicloudConfigRecorderDeclared from "./policies/alicloud-config-recorder-declared";
import * as alicloudConfigRecorderRecording from "./policies/alicloud-config-recorder-recording";
import * as liveVerification from "./policies/auditguard-live-verification";
import * as alicloudActiontrailAccountCoverage from "./policies/alicloud-actiontrail-account-coverage";
import * as alicloudConfigAccountCoverage from "./policies/alicloud-config-account-coverage";
import * as awsCloudtrailAccountCoverage from "./policies/aws-cloudtrail-account-coverage";
import * as awsConfigAccountCoverage from "./policies/aws-config-account-coverage";
import * as awsCloudtrailTrailDeclared from "./policies/aws-cloudtrail-trail-declared";
import * as awsCloudtrailTrailLogging from "./policies/aws-cloudtrail-trail-logging";
import * as awsConfigRecorderDeclared from "./policies/aws-config-recorder-declared";
import * as awsConfigRecorderRecording from "./policies/aws-config-recorder-recording";
import * as awsCloudtrailTrailDiscovered from "./policies/aws-cloudtrail-trail-discovered";
import * as awsConfigRecorderDiscovered from "./policies/aws-config-recorder-discovered";

installEngineHooks();
// A cloud's SDK loads when the engine first analyzes one of its resources, before AnalyzeStack needs it.
installPrewarm();
registerKinds(LIVE_KINDS);

new PolicyPack("auditguard", {
  description:
    "Is this stack's cloud actually recording? Declared and live checks of AWS Config, CloudTrail, Alibaba Cloud Config and ActionTrail.",
  displayName: "auditguard",
  policies: [
    // Declared (no network)
    awsConfigRecorderDeclared.policy,
    awsCloudtrailTrailDeclared.policy,
    alicloudConfigRecorderDeclared.policy,
    alicloudActiontrailTrailDeclared.policy,
    // Live: one shared round makes every live call, started by the first policy of the pack to run (see
    // lib/live/round.ts); live policies come after the declared ones so their work overlaps the calls
    awsConfigRecorderRecording.policy,
    awsCloudtrailTrailLogging.policy,
    alicloudConfigRecorderRecording.policy,
    alicloudActiontrailTrailLogging.policy,
    // Live, org-wide: every account and region the stack deploys into is recorded, by whoever set it up
    awsCloudtrailAccountCoverage.policy,
    awsConfigAccountCoverage.policy,
    alicloudActiontrailAccountCoverage.policy,
    alicloudConfigAccountCoverage.policy,
    liveVerification.policy,
    // Resource policies for Pulumi Cloud audits of cloud accounts (Discovery runs no stack policy); disabled by
    // default, enabled in an audit group's config (docs/pulumi-cloud.md)
    awsCloudtrailTrailDiscovered.policy,
    awsConfigRecorderDiscovered.policy,
  ],
});
