import { openDb, type DB } from "../src/db";
import { ensureDeviceKey } from "../src/sync";

let n = 0;
export async function freshDb(): Promise<DB> {
  const db = await openDb(`test-${Date.now()}-${n++}`);
  await ensureDeviceKey(db);
  return db;
}
