import type { DB } from "./db";
import { formatHlc, HLC_ZERO, tick, type HlcState } from "./lib/hlc";
import { rfc3339, uuid7 } from "./lib/util";
import type { BlobRec, CaseRec, Location, Op, OpRec } from "./types";

export interface NewOp {
  case_id: string;
  kind: string;
  payload: Record<string, unknown>;
  media?: string[];
  location?: Location | null;
  base_seq?: number;
}

export type NewBlob = Omit<BlobRec, "state" | "created_at" | "attempts" | "last_error">;

export class NotRegisteredError extends Error {
  constructor() {
    super("本设备尚未登记，请先联网登录一次");
  }
}

/**
 * Write an op together with its local change (blobs, case) in ONE IndexedDB transaction: either the
 * capture and its op are both stored, or neither is. Allocates the next device_seq (no gaps) and HLC.
 */
export async function enqueue(
  db: DB,
  input: NewOp,
  extra: { blobs?: NewBlob[]; caseRec?: CaseRec; now?: number } = {},
): Promise<Op> {
  const now = extra.now ?? Date.now();
  const opId = uuid7(now);
  const tx = db.transaction(["meta", "ops", "blobs", "cases"], "readwrite");
  const meta = tx.objectStore("meta");
  const deviceId = (await meta.get("device_id")) as string | undefined;
  if (!deviceId) {
    tx.abort();
    await tx.done.catch(() => undefined);
    throw new NotRegisteredError();
  }
  const seq = ((await meta.get("next_seq")) as number | undefined) ?? 1;
  const hlcState = tick(((await meta.get("hlc")) as HlcState | undefined) ?? HLC_ZERO, now);
  const op: Op = {
    op_id: opId,
    device_id: deviceId,
    device_seq: seq,
    case_id: input.case_id,
    kind: input.kind,
    base_seq: input.base_seq ?? 0,
    payload: input.payload,
    media: input.media ?? [],
    device_time: rfc3339(new Date(now)),
    hlc: formatHlc(hlcState, deviceId),
    location: input.location ?? null,
  };
  const rec: OpRec = { device_seq: seq, op, case_id: op.case_id, state: "pending", created_at: now, attempts: 0 };
  try {
    const writes: Promise<unknown>[] = [];
    // Mark each request as handled at once: if a later one throws, the abort rejects the earlier ones.
    const w = (p: Promise<unknown>): void => {
      p.catch(() => undefined);
      writes.push(p);
    };
    w(tx.objectStore("ops").add(rec));
    w(meta.put(seq + 1, "next_seq"));
    w(meta.put(hlcState, "hlc"));
    for (const b of extra.blobs ?? []) {
      w(tx.objectStore("blobs").put({ ...b, state: "pending", created_at: now, attempts: 0 }));
    }
    if (extra.caseRec) w(tx.objectStore("cases").put(extra.caseRec));
    await Promise.all(writes);
    await tx.done;
  } catch (e) {
    // A request can throw synchronously (e.g. a DataError) while the others are queued: abort them all.
    try {
      tx.abort();
    } catch {
      /* already finished */
    }
    await tx.done.catch(() => undefined);
    throw e;
  }
  return op;
}

export async function pendingOps(db: DB, limit = 100): Promise<OpRec[]> {
  const all = await db.getAllFromIndex("ops", "state", "pending");
  all.sort((a, b) => a.device_seq - b.device_seq);
  return all.slice(0, limit);
}

export async function opsForCase(db: DB, caseId: string): Promise<OpRec[]> {
  const all = await db.getAllFromIndex("ops", "case_id", caseId);
  return all.sort((a, b) => a.device_seq - b.device_seq);
}

export interface OutboxStats {
  pendingOps: number;
  pendingMedia: number;
  pendingMediaBytes: number;
  rejected: OpRec[];
  failedMedia: BlobRec[];
}

export async function outboxStats(db: DB): Promise<OutboxStats> {
  const pending = await db.countFromIndex("ops", "state", "pending");
  const blobs = await db.getAllFromIndex("blobs", "state", "pending");
  const done = await db.getAllFromIndex("ops", "state", "done");
  return {
    pendingOps: pending,
    pendingMedia: blobs.length,
    pendingMediaBytes: blobs.reduce((n, b) => n + b.size, 0),
    rejected: done.filter((o) => o.result?.status === "rejected"),
    failedMedia: blobs.filter((b) => b.last_error),
  };
}
