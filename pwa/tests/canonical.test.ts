import { describe, expect, it } from "vitest";
import vectors from "./fixtures/canonical_vectors.json";
import { CanonicalError, canonicalize } from "../src/lib/canonical";

describe("RFC 8785 canonical JSON", () => {
  it.each(vectors.map((v) => [v.input, v.canonical]))("matches Python rfc8785 for %s", (input, expected) => {
    expect(canonicalize(JSON.parse(input))).toBe(expected);
  });

  it("sorts keys by UTF-16 code units and drops undefined members", () => {
    expect(canonicalize({ b: 1, a: undefined, "\u00e9": 2, A: 3 })).toBe('{"A":3,"b":1,"\u00e9":2}');
  });

  it("refuses values that have no canonical form", () => {
    expect(() => canonicalize(Number.NaN)).toThrow(CanonicalError);
    expect(() => canonicalize(2 ** 60)).toThrow(CanonicalError);
    expect(() => canonicalize("\ud800")).toThrow(CanonicalError);
  });
});
