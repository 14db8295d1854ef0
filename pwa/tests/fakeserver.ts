import type { Response_, Transport } from "../src/api";
import { NetworkError } from "../src/api";
import { verifyOp } from "../src/lib/signing";
import { b64urlDecode } from "../src/lib/util";
import type { Entry, Op, OpResult, OpStatus } from "../src/types";

/** A small in-memory stand-in for the server side of the sync contract (push/pull/devices). */
export class FakeServer implements Transport {
  offline = false;
  authExpired = false;
  devices = new Map<string, CryptoKey>();
  seen = new Map<number, OpResult>();
  entries: Entry[] = [];
  /** decide the status for an op (default applied) */
  decide: (op: Op) => { status: OpStatus; reason?: string; code?: string } = () => ({ status: "applied" });
  /** drop the response after storing (simulates a lost answer) */
  loseNextResponse = false;
  badSignatures = 0;
  requests: string[] = [];

  expected(deviceId: string): number {
    void deviceId;
    return this.seen.size + 1;
  }

  async request(method: string, path: string, body?: any): Promise<Response_> {
    this.requests.push(`${method} ${path}`);
    if (this.offline) throw new NetworkError();
    if (this.authExpired) return { status: 401, body: { status: 401, title: "Unauthorized" } };
    if (method === "POST" && path === "/api/devices") {
      const der = Uint8Array.from(atob(body.public_key), (c) => c.charCodeAt(0));
      const key = await crypto.subtle.importKey("spki", der, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
      this.devices.set(body.device_id, key);
      return { status: 201, body: { device_id: body.device_id } };
    }
    if (method === "POST" && path === "/api/sync/push") return this.push(body);
    if (method === "GET" && path.startsWith("/api/sync/pull")) {
      const cursor = Number(new URL(path, "http://x").searchParams.get("cursor"));
      const items = this.entries.filter((e) => e.seq > cursor).slice(0, 2);
      const last = items.length ? items[items.length - 1]!.seq : cursor;
      return { status: 200, body: { entries: items, cursor: last, more: this.entries.some((e) => e.seq > last), last_acked_seq: this.seen.size } };
    }
    if (method === "GET" && path.startsWith("/api/cases")) return { status: 200, body: { items: [], total: 0 } };
    return { status: 404, body: null };
  }

  private async push(body: { device_id: string; ops: Op[] }): Promise<Response_> {
    const key = this.devices.get(body.device_id);
    if (!key) return { status: 403, body: { code: "device_unknown" } };
    const results: OpResult[] = [];
    for (const op of body.ops) {
      const prior = this.seen.get(op.device_seq);
      if (prior) {
        results.push({ ...prior, status: "duplicate" });
        continue;
      }
      if (op.device_seq !== this.seen.size + 1) {
        if (!results.length) return { status: 409, body: { code: "seq_gap", expected_seq: this.seen.size + 1 } };
        break;
      }
      if (!(await verifyOp(op as any, key, b64urlDecode(op.signature!)))) this.badSignatures++;
      const d = this.decide(op);
      const seq = this.entries.length + 1;
      const entry: Entry = {
        seq, case_id: op.case_id, case_seq: seq, kind: d.status === "rejected" ? "rejected" : op.kind,
        payload: op.payload, media: op.media, actors: [], op_id: op.op_id, hlc: `${String(Date.now() + 60_000).padStart(15, "0")}:00000:server`,
        server_time: new Date().toISOString(), prev_hash: "0".repeat(64), hash: "f".repeat(64),
      };
      this.entries.push(entry);
      const r: OpResult = { op_id: op.op_id, device_seq: op.device_seq, status: d.status, seq, case_seq: seq, hash: entry.hash, reason: d.reason ?? null, code: d.code ?? null };
      this.seen.set(op.device_seq, r);
      results.push(r);
    }
    if (this.loseNextResponse) {
      this.loseNextResponse = false;
      throw new NetworkError();
    }
    return { status: 200, body: { results, last_acked_seq: this.seen.size } };
  }
}
