import { app } from "../app";
import { fmtTime, h } from "../dom";
import { FORM_NAMES } from "../forms";
import type { CaseRec, Entry, OpRec } from "../types";
import { canResolve } from "./common";
import { record } from "../capture";
import { localBlobUrl } from "../capture";

const KIND_NAMES: Record<string, string> = {
  case_open: "新建案件", case_update: "修改案件信息", note: "备注", photo: "照片", audio: "录音", video: "录像",
  gps_fix: "定位", record: "文书", stage_transition: "阶段变更", conflict: "修改冲突", resolve: "冲突处理",
  merged: "合并修改", rejected: "未被接受的操作", media_verified: "证据校验通过", media_view: "查看证据",
};

/** Server flags in plain Chinese; flags are shown, never hidden. */
const FLAG_NAMES: Record<string, string> = {
  exif_time_skew: "拍摄时间与设备时间不一致", exif_gps_mismatch: "照片位置与定位不一致", exif_missing: "照片无拍摄信息",
  exif_gps_invalid: "照片位置信息无效", exif_time_invalid: "照片时间信息无效", exif_unreadable: "照片信息无法读取",
  exif_timeout: "照片信息读取超时", clock_drift: "设备时钟偏差较大", bodycam_late: "执法记录仪超过24小时才上传",
  bodycam_incomplete: "执法记录仪信息不完整",
};
const flagName = (f: string): string => FLAG_NAMES[f] ?? f;

const FIELD_NAMES: Record<string, string> = { cause: "案由", party: "当事人", officer_ids: "承办人员", is_major: "重大案件" };

/** One timeline item: a server entry, or a local op still waiting to sync. */
export interface Item {
  kind: string;
  payload: Record<string, unknown>;
  media: string[];
  time: string;
  author?: string;
  entry?: Entry;
  op?: OpRec;
  location?: { lat: number; lon: number; accuracy?: number } | null;
}

export async function timelineItems(caseId: string): Promise<Item[]> {
  const entries = (await app.db.getAllFromIndex("entries", "case_id", caseId)).sort((a, b) => a.case_seq - b.case_seq);
  const seen = new Set(entries.map((e) => e.op_id).filter(Boolean));
  const ops = (await app.db.getAllFromIndex("ops", "case_id", caseId)).filter((o) => !seen.has(o.op.op_id));
  const items: Item[] = entries.map((e) => ({
    kind: e.kind, payload: e.payload, media: e.media, time: e.device_time ?? e.server_time, author: e.author_name, entry: e, location: e.location,
  }));
  for (const o of ops) {
    items.push({ kind: o.op.kind, payload: o.op.payload, media: o.op.media, time: o.op.device_time, author: app.me?.display_name, op: o, location: o.op.location });
  }
  return items;
}

function val(v: unknown): string {
  if (v && typeof v === "object" && "name" in (v as object)) return String((v as { name: unknown }).name);
  if (Array.isArray(v)) return v.join("、");
  if (typeof v === "boolean") return v ? "是" : "否";
  return v === null || v === undefined ? "" : String(v);
}

async function mediaEl(sha: string, kind: string, caseId: string, pending: boolean): Promise<HTMLElement> {
  const local = await localBlobUrl(sha);
  const remote = kind === "photo" ? `/api/media/${sha}/thumb` : `/api/media/${sha}?case_id=${caseId}`;
  const src = local ?? remote;
  const el =
    kind === "photo"
      ? h("img", { class: "photo", src, alt: "现场照片", loading: "lazy", "data-sha": sha })
      : kind === "audio"
        ? h("audio", { controls: true, preload: "none", src })
        : h("video", { controls: true, preload: "none", src, playsinline: true });
  return h("div", { class: "media" }, el, h("code", { class: "sha" }, `SHA-256 ${sha.slice(0, 16)}…`), pending ? h("span", { class: "badge orange" }, "证据待上传") : null);
}

export async function renderItem(it: Item, c: CaseRec): Promise<HTMLElement> {
  const p = it.payload;
  const body: (HTMLElement | string | null)[] = [];
  const pending = new Set(it.entry?.evidence_pending ?? (it.op ? it.media : []));
  switch (it.kind) {
    case "case_open":
      body.push(h("p", null, `案由：${val(p["cause"])}；当事人：${val(p["party"])}`));
      break;
    case "case_update":
    case "merged":
      body.push(...Object.entries((p["fields"] as Record<string, unknown>) ?? {}).map(([k, v]) => h("p", null, `${FIELD_NAMES[k] ?? k} → ${val(v)}`)));
      break;
    case "note":
      body.push(h("p", { class: "note" }, val(p["text"])));
      break;
    case "photo":
    case "audio":
    case "video":
      body.push(await mediaEl(String(p["sha256"]), it.kind, c.id, pending.has(String(p["sha256"]))));
      if (p["caption"]) body.push(h("p", null, val(p["caption"])));
      break;
    case "gps_fix":
      body.push(h("p", { class: "gps" }, `纬度 ${Number(p["lat"]).toFixed(6)}，经度 ${Number(p["lon"]).toFixed(6)}，精度 ±${Math.round(Number(p["accuracy"] ?? 0))} 米`), h("p", { class: "muted small" }, `定位时间 ${fmtTime(p["fix_time"] as string)}`));
      break;
    case "record":
      body.push(await recordBody(p, c));
      break;
    case "stage_transition":
      body.push(h("p", null, `${stageName(c, p["from"])} → ${stageName(c, p["to"])}`));
      break;
    case "conflict":
      body.push(conflictBody(it, c, new Map((await app.users()).map((u) => [u.id, u.display_name]))));
      break;
    case "resolve":
      body.push(h("p", null, `处理冲突 #${val(p["conflict_seq"])}：` + Object.entries((p["fields"] as Record<string, unknown>) ?? {}).map(([k, v]) => `${FIELD_NAMES[k] ?? k} 定为「${val(v)}」`).join("；")), p["reason"] ? h("p", { class: "muted" }, `理由：${val(p["reason"])}`) : null);
      break;
    case "rejected":
      body.push(h("p", { class: "error" }, `原因：${val(p["reason"])}`), h("p", { class: "muted small" }, "原始记录已完整保存在案卷中"));
      break;
    case "media_verified":
      body.push(h("p", null, `SHA-256 ${String(p["sha256"]).slice(0, 16)}… 已校验，${Math.round(Number(p["size"] ?? 0) / 1024)} KB`), ((p["flags"] as string[]) ?? []).length ? h("p", { class: "muted small" }, `提示：${(p["flags"] as string[]).map(flagName).join("、")}`) : null);
      break;
    default:
      body.push(h("pre", { class: "small" }, JSON.stringify(p, null, 1).slice(0, 400)));
  }
  const status = it.op
    ? it.op.state === "pending"
      ? h("span", { class: "badge orange" }, "待同步")
      : it.op.result?.status === "rejected"
        ? h("span", { class: "badge red" }, "未被接受")
        : h("span", { class: "badge green" }, "已提交")
    : h("span", { class: "badge green" }, `#${it.entry!.case_seq}`);
  const flags = it.kind === "media_verified" ? [] : (it.entry?.flags ?? []).map((f) => h("span", { class: "badge orange" }, flagName(f)));
  return h(
    "li",
    { class: `item k-${it.kind}`, "data-kind": it.kind, "data-state": it.op ? it.op.state : "server" },
    h("div", { class: "row" }, h("strong", null, it.kind === "record" ? FORM_NAMES[String(p["form"])] ?? "文书" : KIND_NAMES[it.kind] ?? it.kind), status, ...flags),
    h("div", { class: "muted small" }, `${fmtTime(it.time)} · ${it.author ?? ""}`, it.location ? ` · 位置 ±${Math.round(it.location.accuracy ?? 0)}m` : ""),
    ...body,
  );
}

function stageName(c: CaseRec, code: unknown): string {
  return c.stages?.find((s) => s.code === code)?.name ?? String(code);
}

async function recordBody(p: Record<string, unknown>, c: CaseRec): Promise<HTMLElement> {
  const sigs = (p["signatures"] as { role: string; name: string; png_sha256: string }[]) ?? [];
  const roleName: Record<string, string> = { party: "当事人", officer: "执法人员", witness: "见证人" };
  const sigEls = await Promise.all(
    sigs.map(async (s) => {
      const src = (await localBlobUrl(s.png_sha256)) ?? `/api/media/${s.png_sha256}/thumb`;
      return h("figure", { class: "sig" }, h("img", { src, alt: `${roleName[s.role] ?? s.role}签名` }), h("figcaption", null, `${roleName[s.role] ?? s.role}：${s.name}`));
    }),
  );
  const refused = p["party_refused"] as { reason: string; witness_name: string } | null;
  return h(
    "div",
    null,
    h("details", null, h("summary", null, "查看文书正文"), h("pre", { class: "record-text" }, String(p["text"] ?? ""))),
    h("p", { class: "muted small" }, `正文摘要 ${String(p["text_sha256"] ?? "").slice(0, 16)}…`),
    refused ? h("p", { class: "error" }, `当事人拒绝签名：${refused.reason}（见证人 ${refused.witness_name}）`) : null,
    p["no_av_reason"] ? h("p", { class: "muted" }, `无音像记录原因：${val(p["no_av_reason"])}`) : null,
    h("div", { class: "sigs" }, sigEls),
    h("span", { hidden: true }, c.id),
  );
}

function conflictBody(it: Item, c: CaseRec, users: Map<string, string>): HTMLElement {
  const conflicts = (it.payload["conflicts"] as { field: string; values: { value: unknown; author_id: string; hlc: string; device_time?: string }[]; effective: unknown }[]) ?? [];
  const resolved = new Set<number>();
  const box = h("div", { class: "conflict" });
  const seq = it.entry?.case_seq;
  for (const cf of conflicts) {
    box.append(
      h("p", null, h("strong", null, `${FIELD_NAMES[cf.field] ?? cf.field}有两个不同的修改：`)),
      ...cf.values.map((v, i) =>
        h("div", { class: "version", "data-version": String(i) }, h("div", null, `「${val(v.value)}」`), h("div", { class: "muted small" }, `${fmtTime(v.device_time ?? Number(v.hlc.slice(0, 15)))} · ${users.get(v.author_id) ?? "同事"}${v.author_id === app.me?.id ? "（我）" : ""}`)),
      ),
      h("p", { class: "muted small" }, `暂按时间较晚的「${val(cf.effective)}」生效`),
    );
  }
  const openSeq = c.has_unresolved_conflict && seq !== undefined && !resolved.has(seq);
  if (openSeq && canResolve(c) && conflicts.length === 1) {
    const cf = conflicts[0]!;
    const reason = h("input", { placeholder: "处理理由（可选）", "aria-label": "处理理由" });
    box.append(
      h("div", { class: "resolve" }, reason, ...cf.values.map((v) =>
        h("button", {
          class: "primary",
          type: "button",
          "data-resolve": val(v.value),
          async onclick() {
            await record(c.id, "resolve", { conflict_seq: seq, value: v.value, reason: reason.value.trim() || null });
          },
        }, `采用「${val(v.value)}」`),
      )),
    );
  }
  return box;
}
