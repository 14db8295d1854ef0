import { describe, expect, it } from "vitest";
import { getMeta, setMeta } from "../src/db";
import { parseHlc } from "../src/lib/hlc";
import { enqueue, outboxStats, pendingOps } from "../src/outbox";
import { SyncClient } from "../src/sync";
import type { BlobRec } from "../src/types";
import { FakeServer } from "./fakeserver";
import { freshDb } from "./helpers";

const CASE = "11111111-2222-4333-8444-555555555555";

async function queue(db: Awaited<ReturnType<typeof freshDb>>, n: number, kind = "note") {
  for (let i = 0; i < n; i++) await enqueue(db, { case_id: CASE, kind, payload: { text: `第${i + 1}条` } });
}

describe("sync client", () => {
  it("registers the device, signs and pushes every op, records each per-op outcome", async () => {
    const db = await freshDb();
    const server = new FakeServer();
    const outcomes = ["applied", "merged", "conflict", "rejected", "applied"] as const;
    server.decide = (op) =>
      outcomes[op.device_seq - 1] === "rejected"
        ? { status: "rejected", reason: "案件已结案", code: "case_closed" }
        : { status: outcomes[op.device_seq - 1]! };
    await queue(db, 5);
    const rep = await new SyncClient(db, server).drain();
    expect(rep.state).toBe("ok");
    expect(rep.pushed).toBe(5);
    expect(server.badSignatures).toBe(0);
    expect(await pendingOps(db)).toEqual([]);
    const statuses = (await db.getAll("ops")).map((o) => o.result?.status);
    expect(statuses).toEqual(["applied", "merged", "conflict", "rejected", "applied"]);
    const stats = await outboxStats(db);
    expect(stats.rejected.map((r) => r.result?.reason)).toEqual(["案件已结案"]);
    // the rejected op is kept locally, never silently dropped
    expect((await db.get("ops", 4))?.op.payload).toEqual({ text: "第4条" });
  });

  it("answers a resent op as a duplicate without applying it twice", async () => {
    const db = await freshDb();
    const server = new FakeServer();
    await queue(db, 3);
    server.loseNextResponse = true; // server stores all three, the answer never arrives
    const first = await new SyncClient(db, server).drain();
    expect(first.state).toBe("offline");
    expect((await pendingOps(db)).length).toBe(3);
    const second = await new SyncClient(db, server).drain();
    expect(second.state).toBe("ok");
    expect(server.entries.length).toBe(3);
    expect((await db.getAll("ops")).map((o) => o.result?.status)).toEqual(["duplicate", "duplicate", "duplicate"]);
  });

  it("on a 409 gap resends from the server's expected_seq", async () => {
    const db = await freshDb();
    const server = new FakeServer();
    await queue(db, 4);
    const client = new SyncClient(db, server);
    await client.drain();
    // local state lost the acknowledgement of 3 and 4 (e.g. restored backup): they are pending again
    for (const s of [3, 4]) {
      const rec = (await db.get("ops", s))!;
      rec.state = "pending";
      delete rec.result;
      await db.put("ops", rec);
    }
    // and the server lost op 4 (e.g. restored from backup): it now expects 4
    server.seen.delete(4);
    server.entries.pop();
    await queue(db, 1);
    const rep = await client.drain();
    expect(rep.state).toBe("ok");
    expect(server.seen.size).toBe(5);
    expect(await pendingOps(db)).toEqual([]);
    const texts = server.entries.map((e) => (e.payload as { text: string }).text);
    expect(texts).toEqual(["第1条", "第2条", "第3条", "第4条", "第1条"]);
  });

  it("keeps the queue and asks for re-login on 401; capture still works", async () => {
    const db = await freshDb();
    const server = new FakeServer();
    await new SyncClient(db, server).drain(); // registered while logged in
    server.authExpired = true;
    await queue(db, 2);
    const rep = await new SyncClient(db, server).drain();
    expect(rep.state).toBe("auth");
    expect(rep.message).toContain("重新登录");
    expect(await getMeta(db, "auth_expired")).toBe(true);
    await queue(db, 1);
    expect((await pendingOps(db)).map((o) => o.device_seq)).toEqual([1, 2, 3]);
    // after re-login the same queue drains
    server.authExpired = false;
    await setMeta(db, "auth_expired", false);
    expect((await new SyncClient(db, server).drain()).state).toBe("ok");
    expect(server.seen.size).toBe(3);
  });

  it("offline: nothing is lost and the report says so", async () => {
    const db = await freshDb();
    const server = new FakeServer();
    server.offline = true;
    await queue(db, 2);
    const rep = await new SyncClient(db, server).drain();
    expect(rep.state).toBe("offline");
    expect(rep.message).toMatch(/网络/);
    expect((await pendingOps(db)).length).toBe(2);
  });

  it("pulls all pages, advances the cursor and moves the HLC past the server's", async () => {
    const db = await freshDb();
    const server = new FakeServer();
    await queue(db, 5);
    const rep = await new SyncClient(db, server).drain();
    expect(rep.pulled).toBe(5);
    expect(await getMeta(db, "cursor")).toBe(5);
    expect(await db.count("entries")).toBe(5);
    const serverHlc = parseHlc(server.entries[4]!.hlc!);
    const after = await enqueue(db, { case_id: CASE, kind: "note", payload: {} });
    expect(parseHlc(after.hlc).pt).toBeGreaterThanOrEqual(serverHlc.pt);
  });

  it("uploads a blob only after its case exists on the server, and keeps it until the upload succeeds", async () => {
    const db = await freshDb();
    const server = new FakeServer();
    const sha = "cd".repeat(32);
    await enqueue(db, { case_id: CASE, kind: "case_open", payload: { cause: "测试" } });
    await enqueue(
      db,
      { case_id: CASE, kind: "photo", payload: { sha256: sha }, media: [sha] },
      { blobs: [{ sha256: sha, blob: new Blob(["x"]), filename: "p.jpg", content_type: "image/jpeg", size: 1, case_id: CASE }] },
    );
    const order: string[] = [];
    let fail = true;
    const uploader = async (b: BlobRec) => {
      order.push(`upload after ${server.seen.size} ops`);
      if (fail) throw new Error("上传中断");
      expect(b.sha256).toBe(sha);
    };
    server.offline = false;
    const client = new SyncClient(db, server, uploader);
    await client.drain();
    expect(order).toEqual(["upload after 2 ops"]);
    expect((await db.get("blobs", sha))?.state).toBe("pending");
    expect((await db.get("blobs", sha))?.last_error).toBe("上传中断");
    fail = false;
    await client.drain();
    expect((await db.get("blobs", sha))?.state).toBe("uploaded");
  });
});
