import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalize } from "../src/lib/canonical";
import { generateDeviceKey, publicKeySpkiB64, signOp, verifyOp } from "../src/lib/signing";
import { b64urlDecode } from "../src/lib/util";
import { getMeta } from "../src/db";
import { freshDb } from "./helpers";

const op = {
  op_id: "0190f0e0-0000-7000-8000-000000000001",
  device_id: "5b1c0e36-4d7e-4a43-9d3c-0d1a2b3c4d5e",
  device_seq: 1,
  case_id: "9a1c0e36-4d7e-4a43-9d3c-0d1a2b3c4d5e",
  kind: "gps_fix",
  base_seq: 0,
  payload: { lat: 30.7467123, lon: 120.7558694, accuracy: 12.5, fix_time: "2026-01-01T08:00:00.000Z", source: "gps" },
  media: [],
  device_time: "2026-01-01T08:00:01.000Z",
  hlc: "001767254401000:00000:5b1c0e36-4d7e-4a43-9d3c-0d1a2b3c4d5e",
  location: { lat: 30.7467123, lon: 120.7558694, accuracy: 12.5, source: "gps" },
};

describe("op signing", () => {
  it("signs with a non-extractable P-256 key: 64-byte P1363, base64url without padding", async () => {
    const key = await generateDeviceKey();
    expect(key.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey("pkcs8", key.privateKey)).rejects.toThrow();
    const sig = await signOp(op, key.privateKey);
    expect(sig).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(b64urlDecode(sig).length).toBe(64);
    expect(await verifyOp(op, key.publicKey, b64urlDecode(sig))).toBe(true);
    expect(await verifyOp({ ...op, device_seq: 2 }, key.publicKey, b64urlDecode(sig))).toBe(false);
    // `signature` itself is excluded from the signed bytes
    expect(await verifyOp({ ...op, signature: sig }, key.publicKey, b64urlDecode(sig))).toBe(true);
  });

  it("keeps the key pair in IndexedDB as a CryptoKey", async () => {
    const db = await freshDb();
    const pair = await getMeta<CryptoKeyPair>(db, "device_key");
    expect(pair?.privateKey).toBeInstanceOf(CryptoKey);
    expect(pair?.privateKey.extractable).toBe(false);
  });

  const py = resolve(__dirname, "../../.venv/bin/python");
  it.skipIf(!existsSync(py))("verifies in Python over rfc8785 of the same op (what the server does)", async () => {
    const key = await generateDeviceKey();
    const sig = await signOp(op, key.privateKey);
    const script = `
import base64, json, sys, rfc8785
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives import hashes, serialization
d = json.loads(sys.stdin.read())
pub = serialization.load_der_public_key(base64.b64decode(d["spki"]))
raw = base64.urlsafe_b64decode(d["sig"] + "=" * (-len(d["sig"]) % 4))
der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
body = rfc8785.dumps(d["op"])
assert body.decode() == d["canonical"], (body, d["canonical"])
pub.verify(der, body, ec.ECDSA(hashes.SHA256()))
print("ok")
`;
    const input = JSON.stringify({ spki: await publicKeySpkiB64(key.publicKey), sig, op, canonical: canonicalize(op) });
    const out = execFileSync(py, ["-c", script], { input }).toString().trim();
    expect(out).toBe("ok");
  });
});
