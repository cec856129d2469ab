// The compliance framework items auditguard's policies map to, written once.
import type { PolicyComplianceFramework } from "@pulumi/policy";

const CIS_AWS = { name: "CIS AWS Foundations Benchmark", version: "5.0.0" } as const;

export const FRAMEWORKS = {
  cisAws31: { ...CIS_AWS, reference: "3.1", specification: "Ensure CloudTrail is enabled in all regions" },
  cisAws31and32: {
    ...CIS_AWS,
    reference: "3.1, 3.2",
    specification: "Ensure CloudTrail is enabled in all regions; ensure CloudTrail log file validation is enabled",
  },
  cisAws33: { ...CIS_AWS, reference: "3.3", specification: "Ensure AWS Config is enabled in all regions" },
  cisAlibaba21: {
    name: "CIS Alibaba Cloud Foundations Benchmark",
    version: "2.0.0",
    reference: "2.1",
    specification: "Ensure ActionTrail is configured to export copies of all log entries",
  },
} as const satisfies Record<string, PolicyComplianceFramework>;
