/**
 * RFC 8785 (JCS) canonical JSON. Matches Python's `rfc8785` for strings, safe integers, finite floats,
 * null, booleans, arrays and objects: keys sorted by UTF-16 code units, ES6 number formatting, minimal escapes.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class CanonicalError extends Error {}

function num(n: number): string {
  if (!Number.isFinite(n)) throw new CanonicalError(`不能规范化的数字: ${n}`);
  // Below 1e21 such a number prints as integer digits, which Python reads as an int beyond the JSON safe range.
  if (Number.isInteger(n) && !Number.isSafeInteger(n) && Math.abs(n) < 1e21) throw new CanonicalError(`整数超出安全范围: ${n}`);
  // ECMAScript Number.prototype.toString is exactly the RFC 8785 number serialisation; -0 becomes "0".
  return Object.is(n, -0) ? "0" : String(n);
}

function str(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new CanonicalError("字符串含有孤立代理项");
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw new CanonicalError("字符串含有孤立代理项");
    }
  }
  return JSON.stringify(s);
}

export function canonicalize(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return num(value);
    case "string":
      return str(value);
    case "object": {
      if (Array.isArray(value)) return "[" + value.map((v) => canonicalize(v === undefined ? null : v)).join(",") + "]";
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return "{" + keys.map((k) => str(k) + ":" + canonicalize(obj[k])).join(",") + "}";
    }
    default:
      throw new CanonicalError(`不能规范化的值类型: ${typeof value}`);
  }
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalize(value));
}
