import { app } from "./app";
import { enqueue, type NewBlob } from "./outbox";
import { sha256Hex } from "./lib/util";
import type { CaseRec, Location, Op } from "./types";

/** The last per-case sequence this device has seen: the op's base_seq. */
export async function baseSeq(caseId: string): Promise<number> {
  const entries = await app.db.getAllFromIndex("entries", "case_id", caseId);
  return entries.reduce((m, e) => Math.max(m, e.case_seq), 0);
}

/** A fix is attached to an op as its location only while it is fresh. */
export function currentLocation(): Location | null {
  const f = app.lastFix;
  if (!f?.fix_time) return null;
  return Date.now() - Date.parse(f.fix_time) < 5 * 60_000
    ? { lat: f.lat, lon: f.lon, accuracy: f.accuracy, source: f.source }
    : null;
}

export async function record(
  caseId: string,
  kind: string,
  payload: Record<string, unknown>,
  opts: { media?: string[]; blobs?: NewBlob[]; caseRec?: CaseRec } = {},
): Promise<Op> {
  const op = await enqueue(
    app.db,
    {
      case_id: caseId,
      kind,
      payload,
      media: opts.media,
      location: currentLocation(),
      base_seq: await baseSeq(caseId),
    },
    { blobs: opts.blobs, caseRec: opts.caseRec },
  );
  window.dispatchEvent(new Event("liuhen:queued"));
  app.emit();
  if (navigator.onLine) void app.drain();
  return op;
}

/** Hash the exact bytes, then store bytes + op together. Returns the op and the blob record. */
export async function captureBlob(
  caseId: string,
  kind: "photo" | "audio" | "video",
  blob: Blob,
  filename: string,
  extra: Record<string, unknown> = {},
): Promise<Op> {
  const buf = await blob.arrayBuffer();
  const sha = await sha256Hex(buf);
  // A bare media type: MediaRecorder reports e.g. "audio/webm;codecs=opus", which the upload metadata refuses.
  const type = mediaType(blob.type);
  const bytes = new Blob([buf], { type });
  const payload = { sha256: sha, filename, content_type: type, size: buf.byteLength, ...extra };
  return record(caseId, kind, payload, {
    media: [sha],
    blobs: [{ sha256: sha, blob: bytes, filename, content_type: type, size: buf.byteLength, case_id: caseId }],
  });
}

/** "audio/webm;codecs=opus" → "audio/webm"; empty → application/octet-stream. */
export function mediaType(t: string): string {
  return t.split(";")[0]!.trim().toLowerCase() || "application/octet-stream";
}

export async function localBlobUrl(sha: string): Promise<string | null> {
  const rec = await app.db.get("blobs", sha);
  return rec ? URL.createObjectURL(rec.blob) : null;
}
