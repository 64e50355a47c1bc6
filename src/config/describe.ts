/**
 * Plain-words descriptions of schema types ("an integer from 0 to 65535", `one of "auto", "json"`),
 * for error messages and the generated configuration reference.
 * @module
 */
import { Kind, type TSchema } from "@sinclair/typebox";

interface SchemaLike {
  [Kind]?: string;
  type?: string | string[];
  const?: unknown;
  anyOf?: SchemaLike[];
  items?: SchemaLike | SchemaLike[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
}

export function describeSchema(schema: TSchema | SchemaLike): string {
  const s = schema as SchemaLike;
  if (s.anyOf !== undefined) {
    if (s.anyOf.every((branch) => branch.const !== undefined)) {
      return `one of ${s.anyOf.map((branch) => JSON.stringify(branch.const)).join(", ")}`;
    }
    return s.anyOf.map((branch) => describeSchema(branch)).join(" or ");
  }
  if (s.const !== undefined) return JSON.stringify(s.const);
  switch (s.type) {
    case "integer":
      return `an integer${rangeText(s.minimum, s.maximum)}`;
    case "number":
      return `a number${rangeText(s.minimum, s.maximum)}`;
    case "boolean":
      return "true or false";
    case "string": {
      let text = "a string";
      if (s.minLength !== undefined && s.minLength > 0 && s.maxLength !== undefined) {
        text = s.minLength === 1 ? `a non-empty string of at most ${s.maxLength} characters` : `a string of ${s.minLength} to ${s.maxLength} characters`;
      } else if (s.minLength !== undefined && s.minLength > 0) text = "a non-empty string";
      else if (s.maxLength !== undefined) text = `a string of at most ${s.maxLength} characters`;
      if (s.pattern !== undefined) text += ` matching ${s.pattern}`;
      return text;
    }
    case "array": {
      const item = Array.isArray(s.items) ? "values" : s.items === undefined ? "values" : plural(describeSchema(s.items));
      if (s.minItems !== undefined && s.minItems === s.maxItems) return `a list of exactly ${s.minItems} ${item}`;
      if (s.minItems !== undefined && s.minItems > 0 && s.maxItems !== undefined) return `a list of ${s.minItems} to ${s.maxItems} ${item}`;
      if (s.maxItems !== undefined) return `a list of at most ${s.maxItems} ${item}`;
      return `a list of ${item}`;
    }
    case "object":
      return "a table";
    default:
      return "a valid value";
  }
}

function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return "";
}

function plural(text: string): string {
  return text
    .replace(/^an integer/, "integers")
    .replace(/^a number/, "numbers")
    .replace(/^a non-empty string/, "non-empty strings")
    .replace(/^a string/, "strings")
    .replace(/^a table/, "tables")
    .replace(/^a list/, "lists");
}

/** Case-insensitive edit distance, for "did you mean" hints on unknown keys. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[y.length]!;
}
