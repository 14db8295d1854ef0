import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { BlobRec, CaseRec, Entry, OpRec } from "./types";

export interface LiuhenDB extends DBSchema {
  meta: { key: string; value: unknown };
  ops: { key: number; value: OpRec; indexes: { state: string; case_id: string } };
  blobs: { key: string; value: BlobRec; indexes: { state: string; case_id: string } };
  cases: { key: string; value: CaseRec };
  entries: { key: number; value: Entry; indexes: { case_id: string } };
}

export type DB = IDBPDatabase<LiuhenDB>;

export const DB_NAME = "liuhen";

export function openDb(name: string = DB_NAME): Promise<DB> {
  return openDB<LiuhenDB>(name, 1, {
    upgrade(db) {
      db.createObjectStore("meta");
      const ops = db.createObjectStore("ops", { keyPath: "device_seq" });
      ops.createIndex("state", "state");
      ops.createIndex("case_id", "case_id");
      const blobs = db.createObjectStore("blobs", { keyPath: "sha256" });
      blobs.createIndex("state", "state");
      blobs.createIndex("case_id", "case_id");
      db.createObjectStore("cases", { keyPath: "id" });
      const entries = db.createObjectStore("entries", { keyPath: "seq" });
      entries.createIndex("case_id", "case_id");
    },
  });
}

export async function getMeta<T>(db: DB, key: string): Promise<T | undefined> {
  return (await db.get("meta", key)) as T | undefined;
}

export async function setMeta(db: DB, key: string, value: unknown): Promise<void> {
  await db.put("meta", value, key);
}
