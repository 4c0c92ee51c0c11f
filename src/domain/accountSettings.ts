// ECS account settings: which values each setting takes, and the defaults AWS applies.

/** Allowed values per setting, and the value in effect when nobody set one. */
export const ACCOUNT_SETTINGS: ReadonlyMap<string, { values: readonly string[]; awsDefault: string; readOnly?: boolean }> = new Map([
  ["serviceLongArnFormat", { values: ["enabled", "disabled"], awsDefault: "enabled" }],
  ["taskLongArnFormat", { values: ["enabled", "disabled"], awsDefault: "enabled" }],
  ["containerInstanceLongArnFormat", { values: ["enabled", "disabled"], awsDefault: "enabled" }],
  ["awsvpcTrunking", { values: ["enabled", "disabled"], awsDefault: "disabled" }],
  ["containerInsights", { values: ["enabled", "disabled", "enhanced"], awsDefault: "disabled" }],
  ["fargateFIPSMode", { values: ["enabled", "disabled"], awsDefault: "disabled" }],
  ["fargateTaskRetirementWaitPeriod", { values: ["0", "7", "14"], awsDefault: "7" }],
  ["tagResourceAuthorization", { values: ["on", "off"], awsDefault: "on" }],
  ["guardDutyActivate", { values: ["on", "off"], awsDefault: "off", readOnly: true }],
  ["defaultLogDriverMode", { values: ["blocking", "non-blocking"], awsDefault: "non-blocking" }],
  ["fargateEventWindows", { values: ["enabled", "disabled"], awsDefault: "disabled" }],
  // Documented for PutAccountSetting though the pinned SDK's SettingName enum lacks it (src/protocol/enumAdditions.ts).
  ["dualStackIPv6", { values: ["enabled", "disabled"], awsDefault: "disabled" }],
]);

/** The settings that turned the long ARN formats on, which ECS no longer lets anyone turn off (since April 2021). */
const LONG_ARN_SETTINGS: ReadonlySet<string> = new Set(["serviceLongArnFormat", "taskLongArnFormat", "containerInstanceLongArnFormat"]);

/** A reason the value is refused, or undefined. */
export function accountSettingProblem(name: string, value: string): string | undefined {
  const setting = ACCOUNT_SETTINGS.get(name);
  if (!setting) return `Unknown account setting '${name}'.`;
  if (setting.readOnly) return `The ${name} setting is managed by Amazon GuardDuty and cannot be changed through ECS.`;
  // ECS's words for a value it does not take (aws-cli issue 3785: "ENABLED" for "enabled").
  if (!setting.values.includes(value)) return "Invalid setting 'value'";
  if (LONG_ARN_SETTINGS.has(name) && value === "disabled") return "You can no longer disable Long Arn settings";
  return undefined;
}
