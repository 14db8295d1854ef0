import { describe, expect, it } from "vitest";
import { formatHlc, parseHlc, receive, tick } from "../src/lib/hlc";

describe("hybrid logical clock", () => {
  it("formats as fixed-width and compares as a string", () => {
    const a = formatHlc({ pt: 1_767_225_600_000, c: 3 }, "dev");
    expect(a).toBe("001767225600000:00003:dev");
    expect(formatHlc({ pt: 999, c: 99999 }, "x") < formatHlc({ pt: 1000, c: 0 }, "x")).toBe(true);
    expect(parseHlc(a)).toEqual({ pt: 1_767_225_600_000, c: 3, node: "dev" });
  });

  it("never goes backwards when the wall clock does", () => {
    let s = tick({ pt: 0, c: 0 }, 5000);
    expect(s).toEqual({ pt: 5000, c: 0 });
    s = tick(s, 4000); // clock stepped back
    expect(s).toEqual({ pt: 5000, c: 1 });
    s = tick(s, 5000);
    expect(s).toEqual({ pt: 5000, c: 2 });
    s = tick(s, 6000);
    expect(s).toEqual({ pt: 6000, c: 0 });
  });

  it("moves past a remote time ahead of the local clock", () => {
    const local = { pt: 1000, c: 4 };
    expect(receive(local, { pt: 9000, c: 7 }, 2000)).toEqual({ pt: 9000, c: 8 });
    expect(receive(local, { pt: 1000, c: 9 }, 500)).toEqual({ pt: 1000, c: 10 });
    expect(receive(local, { pt: 10, c: 9 }, 500)).toEqual({ pt: 1000, c: 5 });
    expect(receive(local, { pt: 10, c: 9 }, 3000)).toEqual({ pt: 3000, c: 0 });
  });
});
