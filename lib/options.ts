// One declaration per policy option gives both the JSON schema the engine validates and fills
// defaults from, and typed values with defaults applied here too (getConfig() applies none).

import type { PolicyConfigSchema } from "@pulumi/policy";

interface BaseOption<T> {
  description: string;
  default: T;
}
export interface NumberOption extends BaseOption<number> {
  type: "number" | "integer";
  minimum: number;
  maximum: number;
}
export interface BooleanOption extends BaseOption<boolean> {
  type: "boolean";
}
export interface StringListOption extends BaseOption<readonly string[]> {
  type: "array";
}
export interface EnumOption<T extends string> extends BaseOption<T> {
  type: "string";
  enum: readonly T[];
}
/** Free text matching `pattern` (a JSON-schema regular expression); the empty default means "off". */
export interface TextOption extends BaseOption<string> {
  type: "string";
  pattern: string;
}
/**
 * A structured value: its JSON schema (sent to the engine, which validates it) and a reader that returns the
 * value, or undefined when it does not have the schema's shape (then the default applies).
 */
export interface StructuredOption<T> extends BaseOption<T> {
  type: "structured";
  schema: Record<string, unknown>;
  read(v: unknown): T | undefined;
}
export type Option =
  NumberOption | BooleanOption | StringListOption | EnumOption<string> | TextOption | StructuredOption<unknown>;
export type Options = Record<string, Option>;

export type OptionValues<O extends Options> = {
  readonly [K in keyof O]: O[K] extends StructuredOption<infer S>
    ? S
    : O[K] extends EnumOption<infer E>
      ? E
      : O[K] extends TextOption
        ? string
        : O[K] extends NumberOption
          ? number
          : O[K] extends BooleanOption
            ? boolean
            : readonly string[];
};

export function configSchema(options: Options): PolicyConfigSchema {
  const properties: PolicyConfigSchema["properties"] = {};
  for (const [name, o] of Object.entries(options)) {
    switch (o.type) {
      case "array":
        properties[name] = {
          type: "array",
          items: { type: "string" },
          default: [...o.default],
          description: o.description,
        };
        break;
      case "string":
        properties[name] =
          "enum" in o
            ? { type: "string", enum: [...o.enum], default: o.default, description: o.description }
            : { type: "string", pattern: o.pattern, default: o.default, description: o.description };
        break;
      case "boolean":
        properties[name] = { type: "boolean", default: o.default, description: o.description };
        break;
      case "structured":
        properties[name] = {
          ...o.schema,
          default: o.default,
          description: o.description,
        } as (typeof properties)[string];
        break;
      default:
        properties[name] = {
          type: o.type,
          default: o.default,
          minimum: o.minimum,
          maximum: o.maximum,
          description: o.description,
        };
    }
  }
  return { properties };
}

/** Values with defaults applied; a value of the wrong type or out of range falls back to the default. */
export function readOptions<O extends Options>(options: O, raw: Record<string, unknown> | undefined): OptionValues<O> {
  const out: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(options)) {
    const v = raw?.[name];
    if (o.type === "structured") out[name] = o.read(v) ?? o.default;
    else out[name] = valid(o, v) ? v : o.default;
  }
  return out as OptionValues<O>;
}

function valid(o: Exclude<Option, StructuredOption<unknown>>, v: unknown): boolean {
  switch (o.type) {
    case "boolean":
      return typeof v === "boolean";
    case "array":
      return Array.isArray(v) && v.every((e) => typeof e === "string");
    case "string":
      return typeof v === "string" && ("enum" in o ? o.enum.includes(v) : new RegExp(o.pattern).test(v));
    default:
      return (
        typeof v === "number" &&
        Number.isFinite(v) &&
        v >= o.minimum &&
        v <= o.maximum &&
        (o.type === "number" || Number.isInteger(v))
      );
  }
}

export const timeoutSecondsOption: NumberOption = {
  type: "number",
  default: 10,
  minimum: 1,
  maximum: 300,
  description: "Deadline in seconds for each live call, retries and credential resolution included.",
};
export const pendingGraceMinutesOption: NumberOption = {
  type: "number",
  default: 60,
  minimum: 0,
  maximum: 10080,
  description: "How long a recorder may stay in a pending/building state before that is a violation.",
};
export const maxDeliveryAgeHoursOption: NumberOption = {
  type: "number",
  default: 24,
  minimum: 1,
  maximum: 8760,
  description: "Oldest acceptable last log delivery, in hours.",
};
export const newTrailGraceMinutesOption: NumberOption = {
  type: "number",
  default: 60,
  minimum: 0,
  maximum: 10080,
  description: "A trail that started logging less than this long ago may have no delivery yet.",
};
export const quietTrailsMustDeliverOption: BooleanOption = {
  type: "boolean",
  default: false,
  description:
    "Also apply maxDeliveryAgeHours to trails that may legitimately deliver nothing for a day (data-events-only, write-only, ActionTrail EventRW other than All).",
};
