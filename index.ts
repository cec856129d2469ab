// auditguard: is this stack's cloud actually recording? The pack is this list of policies.
import { PolicyPack } from "@pulumi/policy";
import { installEngineHooks } from "./lib/engine";
import { LIVE_KINDS } from "./lib/live/kinds";
import { registerKinds } from "./lib/live/round";
import * as awsConfigRecorderDeclared from "./policies/aws-config-recorder-declared";
import * as awsConfigRecorderRecording from "./policies/aws-config-recorder-recording";
import * as awsCloudtrailTrailDeclared from "./policies/aws-cloudtrail-trail-declared";
import * as awsCloudtrailTrailLogging from "./policies/aws-cloudtrail-trail-logging";
import * as liveVerification from "./policies/auditguard-live-verification";

installEngineHooks();
registerKinds(LIVE_KINDS);

new PolicyPack("auditguard", {
  description: "Is this stack's cloud actually recording? Declared and live checks of AWS Config and CloudTrail.",
  displayName: "auditguard",
  policies: [
    awsConfigRecorderDeclared.policy,
    awsCloudtrailTrailDeclared.policy,
    awsConfigRecorderRecording.policy,
    awsCloudtrailTrailLogging.policy,
    liveVerification.policy,
  ],
});
