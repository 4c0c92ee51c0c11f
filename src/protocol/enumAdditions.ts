// Enum values a service documents and accepts that the pinned SDK's enum does not list yet. Requests
// may carry them (validation must not be stricter than the service); a response carrying one is
// reported as a warning by the response check, not as a violation. Each value with its source.
const ADDITIONS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  "@aws-sdk/client-ecs": {
    // PutAccountSetting / PutAccountSettingDefault documentation (botocore's ECS model, `name`):
    // "dualStackIPv6 - When turned on, when using a VPC in dual stack mode, your tasks using the
    // awsvpc network mode can have an IPv6 address assigned."
    SettingName: ["dualStackIPv6"],
  },
};

/** The additions for one SDK package, by enum name. */
export function enumAdditionsOf(packageName: string): Readonly<Record<string, readonly string[]>> {
  return ADDITIONS[packageName] ?? {};
}
