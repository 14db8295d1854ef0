import { canonicalBytes } from "./canonical";
import { b64, b64url } from "./util";

const ALG: EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };
const SIGN: EcdsaParams = { name: "ECDSA", hash: "SHA-256" };

/** A device key whose private half can never leave WebCrypto (extractable = false). */
export async function generateDeviceKey(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(ALG, false, ["sign", "verify"])) as CryptoKeyPair;
}

export async function publicKeySpkiB64(key: CryptoKey): Promise<string> {
  return b64(await crypto.subtle.exportKey("spki", key));
}

/** Signature over RFC 8785 of the op without `signature`: base64url (no padding) of raw P1363 r||s. */
export async function signOp<T extends Record<string, unknown>>(op: T, key: CryptoKey): Promise<string> {
  const { signature: _omit, ...body } = op as T & { signature?: unknown };
  void _omit;
  const sig = await crypto.subtle.sign(SIGN, key, canonicalBytes(body) as BufferSource);
  return b64url(sig);
}

export async function verifyOp(op: Record<string, unknown>, key: CryptoKey, signature: Uint8Array): Promise<boolean> {
  const { signature: _omit, ...body } = op;
  void _omit;
  return crypto.subtle.verify(SIGN, key, signature as BufferSource, canonicalBytes(body) as BufferSource);
}
