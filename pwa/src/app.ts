import { ApiError, call, httpTransport, NetworkError, setCsrf } from "./api";
import { getMeta, openDb, setMeta, type DB } from "./db";
import { tusUpload } from "./media";
import { ensureDeviceKey, registerDevice, SyncClient, type DrainReport } from "./sync";
import type { CaseRec, Location, Me, StageInfo, UserBrief } from "./types";

export interface Procedures {
  procedure_types: Record<string, { kind: string; name: string; stages: (StageInfo & { condition?: string | null })[] }>;
  forms: Record<string, string>;
  onsite_forms: string[];
}

/** Fallback names so a case can be opened offline even before the templates were cached. */
export const PROCEDURE_NAMES: Record<string, string> = {
  administrative_penalty: "行政处罚",
  administrative_coercion: "行政强制",
  administrative_levy: "行政征收",
  administrative_licensing: "行政许可",
  administrative_confirmation: "行政确认",
  administrative_adjudication: "行政裁决",
};

/** `data` is true when local or server data changed (screens re-render), false for status-only news. */
type Listener = (data: boolean) => void;

class App {
  db!: DB;
  sync!: SyncClient;
  me: Me | null = null;
  lastReport: DrainReport | null = null;
  lastFix: Location | null = null;
  private listeners = new Set<Listener>();

  async init(): Promise<void> {
    this.db = await openDb();
    this.sync = new SyncClient(this.db, httpTransport, tusUpload);
    this.me = (await getMeta<Me>(this.db, "me")) ?? null;
    setCsrf((await getMeta<string>(this.db, "csrf")) ?? null);
  }

  onChange(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  emit(data = true): void {
    for (const l of this.listeners) l(data);
  }

  async login(username: string, password: string): Promise<void> {
    const prev = await getMeta<Me>(this.db, "me");
    const res = await call<{ user: Me; csrf_token: string }>(httpTransport, "POST", "/api/auth/login", {
      username,
      password,
    });
    if (prev && prev.id !== res.user.id) {
      const pending = await this.db.countFromIndex("ops", "state", "pending");
      if (pending) {
        await call(httpTransport, "POST", "/api/auth/logout").catch(() => undefined);
        throw new Error(`本机还有 ${pending} 条属于「${prev.display_name}」的记录未同步，请先由其本人登录同步`);
      }
      // Another officer takes over this phone: a new device identity, so seqs and keys are never shared.
      await this.db.clear("meta");
      await this.db.clear("cases");
      await this.db.clear("entries");
      await this.db.clear("ops");
      await this.db.clear("blobs");
    }
    setCsrf(res.csrf_token);
    await setMeta(this.db, "csrf", res.csrf_token);
    await setMeta(this.db, "me", res.user);
    await setMeta(this.db, "auth_expired", false);
    this.me = res.user;
    await ensureDeviceKey(this.db);
    await registerDevice(this.db, httpTransport);
    void navigator.storage?.persist?.();
    await this.refreshReference();
    this.drain();
  }

  async logout(): Promise<void> {
    await call(httpTransport, "POST", "/api/auth/logout").catch(() => undefined);
    await setMeta(this.db, "auth_expired", true);
    this.emit();
  }

  /** Users and procedure templates, cached for offline forms and rules. */
  async refreshReference(): Promise<void> {
    try {
      await setMeta(this.db, "users", await call<UserBrief[]>(httpTransport, "GET", "/api/users"));
      await setMeta(this.db, "procedures", await call<Procedures>(httpTransport, "GET", "/api/procedures"));
    } catch (e) {
      if (!(e instanceof NetworkError || e instanceof ApiError)) throw e;
    }
  }

  async users(): Promise<UserBrief[]> {
    return (await getMeta<UserBrief[]>(this.db, "users")) ?? [];
  }

  async procedures(): Promise<Procedures | null> {
    return (await getMeta<Procedures>(this.db, "procedures")) ?? null;
  }

  async stagesOf(c: CaseRec): Promise<StageInfo[]> {
    if (c.stages?.length) return c.stages;
    return (await this.procedures())?.procedure_types[c.procedure_type]?.stages ?? [];
  }

  /** Drain the outbox; screens re-render through onChange. Safe to call often. */
  drain(): Promise<DrainReport> {
    if (!this.me) return Promise.resolve({ state: "auth", pushed: 0, uploaded: 0, pulled: 0 });
    return this.sync.drain().then((r) => {
      const prev = this.lastReport;
      this.lastReport = r;
      this.emit(r.pushed + r.uploaded + r.pulled > 0 || r.state !== prev?.state || r.message !== prev?.message);
      return r;
    });
  }

  async authExpired(): Promise<boolean> {
    return Boolean(await getMeta<boolean>(this.db, "auth_expired"));
  }
}

export const app = new App();
