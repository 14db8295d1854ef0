import { describe, expect, it } from "vitest";
import { getMeta } from "../src/db";
import { enqueue, NotRegisteredError, outboxStats, pendingOps } from "../src/outbox";
import { openDb } from "../src/db";
import type { CaseRec } from "../src/types";
import { freshDb } from "./helpers";

const CASE = "11111111-2222-4333-8444-555555555555";

describe("outbox", () => {
  it("numbers ops 1, 2, 3 with no gaps and increasing HLC", async () => {
    const db = await freshDb();
    const a = await enqueue(db, { case_id: CASE, kind: "note", payload: { text: "一" } }, { now: 1000 });
    const b = await enqueue(db, { case_id: CASE, kind: "note", payload: { text: "二" } }, { now: 900 });
    const c = await enqueue(db, { case_id: CASE, kind: "note", payload: { text: "三" } }, { now: 2000 });
    expect([a.device_seq, b.device_seq, c.device_seq]).toEqual([1, 2, 3]);
    expect(a.hlc < b.hlc && b.hlc < c.hlc).toBe(true);
    expect(a.op_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
    expect((await pendingOps(db)).map((o) => o.device_seq)).toEqual([1, 2, 3]);
    expect(await getMeta(db, "next_seq")).toBe(4);
  });

  it("writes a photo's blob and its op in one transaction", async () => {
    const db = await freshDb();
    const blob = new Blob([new Uint8Array([1, 2, 3])], { type: "image/jpeg" });
    const op = await enqueue(
      db,
      { case_id: CASE, kind: "photo", payload: { sha256: "ab".repeat(32) }, media: ["ab".repeat(32)] },
      { blobs: [{ sha256: "ab".repeat(32), blob, filename: "a.jpg", content_type: "image/jpeg", size: 3, case_id: CASE }] },
    );
    const stored = await db.get("blobs", "ab".repeat(32));
    expect(stored?.state).toBe("pending");
    expect(stored?.size).toBe(3);
    expect((await db.get("ops", op.device_seq))?.op.media).toEqual(["ab".repeat(32)]);
    const stats = await outboxStats(db);
    expect(stats.pendingOps).toBe(1);
    expect(stats.pendingMedia).toBe(1);
  });

  it("stores neither the op nor the change when the transaction fails, and reuses the seq", async () => {
    const db = await freshDb();
    const bad = { cause: "缺少 id" } as unknown as CaseRec; // violates the cases keyPath → the tx aborts
    await expect(
      enqueue(db, { case_id: CASE, kind: "case_open", payload: {} }, { caseRec: bad }),
    ).rejects.toBeTruthy();
    expect(await db.count("ops")).toBe(0);
    expect(await getMeta(db, "next_seq")).toBe(1);
    const ok = await enqueue(db, { case_id: CASE, kind: "note", payload: { text: "x" } });
    expect(ok.device_seq).toBe(1);
  });

  it("refuses to capture before the device has a key (never logged in)", async () => {
    const db = await openDb("never-logged-in");
    await expect(enqueue(db, { case_id: CASE, kind: "note", payload: {} })).rejects.toBeInstanceOf(
      NotRegisteredError,
    );
  });
});
