import { ApiError, NetworkError, type Transport } from "./api";
import { getMeta, setMeta, type DB } from "./db";
import { HLC_ZERO, parseHlc, receive, type HlcState } from "./lib/hlc";
import { generateDeviceKey, publicKeySpkiB64, signOp } from "./lib/signing";
import { uuid4 } from "./lib/util";
import { pendingOps } from "./outbox";
import type { BlobRec, CaseRec, Entry, OpRec, OpResult } from "./types";

export type Uploader = (b: BlobRec) => Promise<void>;

export interface DrainReport {
  state: "ok" | "offline" | "auth" | "error";
  pushed: number;
  uploaded: number;
  pulled: number;
  message?: string;
}

export class AuthExpired extends Error {
  constructor() {
    super("登录已过期，请重新登录；未同步的记录会保留并在登录后上传");
  }
}

/** Create this device's id and non-extractable key once; registration with the server happens online. */
export async function ensureDeviceKey(db: DB): Promise<string> {
  let deviceId = await getMeta<string>(db, "device_id");
  if (deviceId && (await getMeta(db, "device_key"))) return deviceId;
  const key = await generateDeviceKey();
  deviceId = uuid4();
  const tx = db.transaction("meta", "readwrite");
  await tx.store.put(key, "device_key");
  await tx.store.put(deviceId, "device_id");
  await tx.store.put(1, "next_seq");
  await tx.store.put(false, "device_registered");
  await tx.done;
  return deviceId;
}

export async function registerDevice(db: DB, t: Transport, label = "留痕 PWA"): Promise<void> {
  if (await getMeta<boolean>(db, "device_registered")) return;
  const deviceId = await ensureDeviceKey(db);
  const key = (await getMeta<CryptoKeyPair>(db, "device_key"))!;
  const r = await t.request("POST", "/api/devices", {
    device_id: deviceId,
    public_key: await publicKeySpkiB64(key.publicKey),
    label,
  });
  if (r.status === 401) throw new AuthExpired();
  // 409: this device id is already registered (e.g. a lost response) — treat as registered.
  if (r.status >= 400 && r.status !== 409) throw new ApiError(r.status, r.body);
  await setMeta(db, "device_registered", true);
}

/** Apply one per-op outcome from the server: the op leaves the queue, its answer is kept for the officer. */
async function recordResults(db: DB, results: OpResult[], lastAcked: number | undefined): Promise<void> {
  const tx = db.transaction("ops", "readwrite");
  for (const r of results) {
    const rec = await tx.store.get(r.device_seq);
    if (!rec) continue;
    rec.state = "done";
    rec.result = r;
    delete rec.last_error;
    await tx.store.put(rec);
  }
  if (lastAcked) {
    // Anything at or below the server's acknowledged seq arrived, even if its answer was lost.
    for (const rec of await tx.store.index("state").getAll("pending")) {
      if (rec.device_seq <= lastAcked) {
        rec.state = "done";
        await tx.store.put(rec);
      }
    }
  }
  await tx.done;
}

async function markError(db: DB, recs: OpRec[], message: string): Promise<void> {
  const tx = db.transaction("ops", "readwrite");
  for (const r of recs) {
    const cur = await tx.store.get(r.device_seq);
    if (!cur || cur.state !== "pending") continue;
    cur.attempts += 1;
    cur.last_error = message;
    await tx.store.put(cur);
  }
  await tx.done;
}

/** After a 409 gap: everything below expected_seq is on the server; from expected_seq on must be (re)sent. */
async function realign(db: DB, expected: number): Promise<void> {
  const tx = db.transaction("ops", "readwrite");
  let cursor = await tx.store.openCursor();
  while (cursor) {
    const rec = cursor.value;
    if (rec.device_seq < expected && rec.state === "pending") {
      rec.state = "done";
      await cursor.update(rec);
    } else if (rec.device_seq >= expected && rec.state === "done" && !rec.result) {
      rec.state = "pending";
      await cursor.update(rec);
    }
    cursor = await cursor.continue();
  }
  await tx.done;
}

export class SyncClient {
  private running: Promise<DrainReport> | null = null;

  constructor(
    private db: DB,
    private t: Transport,
    private uploader?: Uploader,
    private batchSize = 100,
  ) {}

  async sign(recs: OpRec[]): Promise<OpRec[]> {
    const unsigned = recs.filter((r) => !r.op.signature);
    if (!unsigned.length) return recs;
    const key = await getMeta<CryptoKeyPair>(this.db, "device_key");
    if (!key) throw new Error("本设备没有签名密钥");
    for (const r of unsigned) r.op.signature = await signOp({ ...r.op }, key.privateKey);
    // Persist the signatures so a resend is byte-for-byte the same op.
    const tx = this.db.transaction("ops", "readwrite");
    for (const r of unsigned) {
      const cur = await tx.store.get(r.device_seq);
      if (cur && !cur.op.signature) {
        cur.op.signature = r.op.signature;
        await tx.store.put(cur);
      }
    }
    await tx.done;
    return recs;
  }

  /** Push the queue in device_seq order until empty; returns how many ops the server answered. */
  async push(): Promise<number> {
    const deviceId = await getMeta<string>(this.db, "device_id");
    let answered = 0;
    let realigns = 0;
    for (;;) {
      const batch = await this.sign(await pendingOps(this.db, this.batchSize));
      if (!batch.length) return answered;
      const r = await this.t.request("POST", "/api/sync/push", {
        device_id: deviceId,
        ops: batch.map((b) => b.op),
      });
      if (r.status === 401) throw new AuthExpired();
      if (r.status === 409 && typeof r.body?.expected_seq === "number") {
        if (++realigns > 5) throw new ApiError(409, r.body);
        await realign(this.db, r.body.expected_seq as number);
        continue;
      }
      if (r.status >= 400) {
        const err = new ApiError(r.status, r.body);
        await markError(this.db, batch, err.message);
        throw err;
      }
      const results = (r.body?.results ?? []) as OpResult[];
      await recordResults(this.db, results, r.body?.last_acked_seq as number | undefined);
      answered += results.length;
      if (!results.length) return answered;
    }
  }

  /** Upload captured media whose case the server already knows; blobs stay until the upload completes. */
  async uploadMedia(): Promise<number> {
    if (!this.uploader) return 0;
    const waiting = new Set(
      (await pendingOps(this.db, 100000)).filter((o) => o.op.kind === "case_open").map((o) => o.case_id),
    );
    let n = 0;
    for (const b of await this.db.getAllFromIndex("blobs", "state", "pending")) {
      if (waiting.has(b.case_id)) continue;
      try {
        await this.uploader(b);
      } catch (e) {
        if (e instanceof AuthExpired || e instanceof NetworkError) throw e;
        const cur = await this.db.get("blobs", b.sha256);
        if (cur) {
          cur.attempts += 1;
          cur.last_error = e instanceof Error ? e.message : String(e);
          await this.db.put("blobs", cur);
        }
        continue;
      }
      const cur = await this.db.get("blobs", b.sha256);
      if (cur) {
        cur.state = "uploaded";
        delete cur.last_error;
        await this.db.put("blobs", cur);
      }
      n++;
    }
    return n;
  }

  /** Pull the entries after our cursor; store them, advance the HLC past them. */
  async pull(): Promise<number> {
    const deviceId = await getMeta<string>(this.db, "device_id");
    let n = 0;
    const touched = new Set<string>();
    for (let page = 0; page < 1000; page++) {
      const cursor = (await getMeta<number>(this.db, "cursor")) ?? 0;
      const q = `cursor=${cursor}&limit=500${deviceId ? `&device_id=${encodeURIComponent(deviceId)}` : ""}`;
      const r = await this.t.request("GET", `/api/sync/pull?${q}`);
      if (r.status === 401) throw new AuthExpired();
      if (r.status >= 400) throw new ApiError(r.status, r.body);
      const entries = (r.body?.entries ?? []) as Entry[];
      const tx = this.db.transaction(["entries", "meta", "ops"], "readwrite");
      let hlc = ((await tx.objectStore("meta").get("hlc")) as HlcState | undefined) ?? HLC_ZERO;
      const now = Date.now();
      for (const e of entries) {
        await tx.objectStore("entries").put(e);
        touched.add(e.case_id);
        if (e.hlc) {
          try {
            hlc = receive(hlc, parseHlc(e.hlc), now);
          } catch {
            /* a server entry without a well-formed HLC does not move our clock */
          }
        }
      }
      await tx.objectStore("meta").put(hlc, "hlc");
      await tx.objectStore("meta").put(r.body?.cursor ?? cursor, "cursor");
      const acked = r.body?.last_acked_seq as number | undefined;
      if (acked) {
        for (const rec of await tx.objectStore("ops").index("state").getAll("pending")) {
          if (rec.device_seq <= acked) {
            rec.state = "done";
            await tx.objectStore("ops").put(rec);
          }
        }
      }
      await tx.done;
      n += entries.length;
      if (!r.body?.more || !entries.length) break;
    }
    await this.refreshCases([...touched]);
    return n;
  }

  async refreshCases(ids: string[]): Promise<void> {
    for (const id of ids) {
      const r = await this.t.request("GET", `/api/cases/${id}`);
      if (r.status === 200 && r.body?.id) await this.db.put("cases", r.body as CaseRec);
    }
  }

  async refreshCaseList(): Promise<void> {
    const r = await this.t.request("GET", "/api/cases?limit=200");
    if (r.status === 401) throw new AuthExpired();
    if (r.status !== 200) return;
    const tx = this.db.transaction("cases", "readwrite");
    for (const c of (r.body?.items ?? []) as CaseRec[]) await tx.store.put(c);
    await tx.done;
  }

  /** One drain at a time: register → push → upload → pull. Never throws; the report says what happened. */
  drain(): Promise<DrainReport> {
    if (!this.running) {
      this.running = this.drainOnce().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private async drainOnce(): Promise<DrainReport> {
    const rep: DrainReport = { state: "ok", pushed: 0, uploaded: 0, pulled: 0 };
    try {
      if (await getMeta<boolean>(this.db, "auth_expired")) {
        rep.state = "auth";
        rep.message = new AuthExpired().message;
        return rep;
      }
      await registerDevice(this.db, this.t);
      rep.pushed = await this.push();
      rep.uploaded = await this.uploadMedia();
      rep.pulled = await this.pull();
      await this.refreshCaseList();
      await setMeta(this.db, "last_sync", Date.now());
      await setMeta(this.db, "last_error", null);
    } catch (e) {
      if (e instanceof AuthExpired) {
        rep.state = "auth";
        await setMeta(this.db, "auth_expired", true);
      } else if (e instanceof NetworkError) {
        rep.state = "offline";
      } else {
        rep.state = "error";
      }
      rep.message = e instanceof Error ? e.message : String(e);
      await setMeta(this.db, "last_error", rep.message);
    }
    return rep;
  }
}
