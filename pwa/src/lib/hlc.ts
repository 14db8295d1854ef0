/** Hybrid logical clock: "{physical_ms:015d}:{counter:05d}:{node}" — compares correctly as a string. */
export interface HlcState {
  pt: number;
  c: number;
}

export const HLC_ZERO: HlcState = { pt: 0, c: 0 };

export function formatHlc(s: HlcState, node: string): string {
  return `${String(s.pt).padStart(15, "0")}:${String(s.c).padStart(5, "0")}:${node}`;
}

export function parseHlc(h: string): HlcState & { node: string } {
  const m = /^(\d{15}):(\d{5}):(.*)$/.exec(h);
  if (!m) throw new Error(`HLC 格式错误: ${h}`);
  return { pt: Number(m[1]), c: Number(m[2]), node: m[3] ?? "" };
}

/** A local event (send): advance past both the wall clock and the last issued time. */
export function tick(s: HlcState, wallMs: number): HlcState {
  if (wallMs > s.pt) return { pt: wallMs, c: 0 };
  return { pt: s.pt, c: s.c + 1 };
}

/** A remote event (receive): never issue a time at or below one we have seen. */
export function receive(s: HlcState, remote: HlcState, wallMs: number): HlcState {
  const pt = Math.max(s.pt, remote.pt, wallMs);
  if (pt === s.pt && pt === remote.pt) return { pt, c: Math.max(s.c, remote.c) + 1 };
  if (pt === s.pt) return { pt, c: s.c + 1 };
  if (pt === remote.pt) return { pt, c: remote.c + 1 };
  return { pt, c: 0 };
}
