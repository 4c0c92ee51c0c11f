// Account settings: PutAccountSetting, PutAccountSettingDefault, ListAccountSettings,
// DeleteAccountSetting. A principal's own setting overrides the account default, which overrides
// AWS's default.
import type {
  DeleteAccountSettingRequest,
  DeleteAccountSettingResponse,
  ListAccountSettingsRequest,
  ListAccountSettingsResponse,
  PutAccountSettingDefaultRequest,
  PutAccountSettingDefaultResponse,
  PutAccountSettingRequest,
  PutAccountSettingResponse,
  Setting,
  SettingName,
} from "@aws-sdk/client-ecs";
import { ACCOUNT_SETTINGS, accountSettingProblem } from "../../domain/accountSettings";
import { InvalidParameterException } from "../../protocol/errors";
import type { Wire } from "../../protocol/wire";
import type { Tx } from "../../store/store";
import type { Handler, RequestContext } from "../context";
import { listPage } from "./paging";

const ACCOUNT_DEFAULT = "account-default";

function rootOf(ctx: RequestContext): string {
  return `arn:aws:iam::${ctx.account}:root`;
}

/** The store key of a setting: per principal (or the account default) and name. */
function settingArn(ctx: RequestContext, principal: string, name: string): string {
  return `arn:aws:ecs:${ctx.region}:${ctx.account}:setting/${name}/${encodeURIComponent(principal)}`;
}

function checkPrincipal(ctx: RequestContext, principalArn: string | undefined): string {
  if (principalArn === undefined) return ctx.principal;
  if (!/^arn:aws[a-z-]*:iam::\d{12}:(root|user\/.+|role\/.+)$/.test(principalArn)) throw new InvalidParameterException("principalArn must be the ARN of an IAM user, an IAM role or the root user.");
  if (!principalArn.includes(`::${ctx.account}:`)) throw new InvalidParameterException("principalArn must belong to the caller's account.");
  return principalArn;
}

function checkValue(name: string | undefined, value: string | undefined): void {
  const problem = accountSettingProblem(name ?? "", value ?? "");
  if (problem) throw new InvalidParameterException(problem);
}

async function stored(tx: Tx, ctx: RequestContext, principal: string, name: string): Promise<Wire<Setting> | undefined> {
  return (await tx.get("accountSetting", settingArn(ctx, principal, name)))?.setting;
}

const putAccountSetting: Handler<PutAccountSettingRequest, PutAccountSettingResponse> = async (input, ctx) => {
  checkValue(input.name, input.value);
  const principalArn = checkPrincipal(ctx, input.principalArn);
  return ctx.store.transaction(async (tx) => {
    const setting: Wire<Setting> = { name: input.name, value: input.value, principalArn, type: "user" };
    await tx.put("accountSetting", { arn: settingArn(ctx, principalArn, input.name ?? ""), setting });
    return { setting };
  });
};

const putAccountSettingDefault: Handler<PutAccountSettingDefaultRequest, PutAccountSettingDefaultResponse> = async (input, ctx) => {
  checkValue(input.name, input.value);
  return ctx.store.transaction(async (tx) => {
    const setting: Wire<Setting> = { name: input.name, value: input.value, principalArn: rootOf(ctx), type: "user" };
    await tx.put("accountSetting", { arn: settingArn(ctx, ACCOUNT_DEFAULT, input.name ?? ""), setting });
    return { setting };
  });
};

const deleteAccountSetting: Handler<DeleteAccountSettingRequest, DeleteAccountSettingResponse> = async (input, ctx) => {
  if (!ACCOUNT_SETTINGS.has(input.name ?? "")) throw new InvalidParameterException(`Unknown account setting '${input.name}'.`);
  const principalArn = checkPrincipal(ctx, input.principalArn);
  return ctx.store.transaction(async (tx) => {
    const arn = settingArn(ctx, principalArn, input.name ?? "");
    const existing = await tx.get("accountSetting", arn);
    if (!existing) throw new InvalidParameterException(`No ${input.name} setting exists for ${principalArn}.`);
    await tx.remove("accountSetting", arn);
    return { setting: existing.setting };
  });
};

/** The value in effect for a principal: its own, else the account default, else AWS's. */
async function effective(tx: Tx, ctx: RequestContext, principal: string, name: string): Promise<Wire<Setting>> {
  const own = await stored(tx, ctx, principal, name);
  if (own) return own;
  const accountDefault = await stored(tx, ctx, ACCOUNT_DEFAULT, name);
  if (accountDefault) return { ...accountDefault, principalArn: principal };
  return { name: name as SettingName, value: ACCOUNT_SETTINGS.get(name)?.awsDefault, principalArn: principal, type: "aws_managed" };
}

const listAccountSettings: Handler<ListAccountSettingsRequest, ListAccountSettingsResponse> = async (input, ctx) => {
  const principalArn = checkPrincipal(ctx, input.principalArn);
  if (input.value !== undefined && input.name === undefined) throw new InvalidParameterException("value can be given only together with name.");
  return ctx.store.transaction(async (tx) => {
    const names = input.name ? [input.name] : [...ACCOUNT_SETTINGS.keys()].sort();
    const settings: Wire<Setting>[] = [];
    for (const name of names) {
      const setting = input.effectiveSettings ? await effective(tx, ctx, principalArn, name) : await stored(tx, ctx, principalArn, name);
      if (setting && (input.value === undefined || setting.value === input.value)) settings.push(setting);
    }
    const page = await listPage(
      input,
      async (after, limit) => settings.filter((s) => after === undefined || (s.name ?? "") > after).slice(0, limit),
      (s) => s.name ?? "",
      () => true,
      10,
    );
    return { settings: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  });
};

export const accountSettingHandlers = {
  PutAccountSetting: putAccountSetting,
  PutAccountSettingDefault: putAccountSettingDefault,
  DeleteAccountSetting: deleteAccountSetting,
  ListAccountSettings: listAccountSettings,
};
