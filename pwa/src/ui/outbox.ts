import { app } from "../app";
import { getMeta } from "../db";
import { fmtBytes, fmtTime, h } from "../dom";
import { FORM_NAMES } from "../forms";
import { outboxStats } from "../outbox";
import { navigate, render } from "../router";

export async function outboxView(): Promise<HTMLElement> {
  const s = await outboxStats(app.db);
  const est = await navigator.storage?.estimate?.().catch(() => null);
  const persisted = await navigator.storage?.persisted?.().catch(() => false);
  const last = await getMeta<number>(app.db, "last_sync");
  const lastErr = await getMeta<string | null>(app.db, "last_error");
  const expired = await app.authExpired();
  const btn = h("button", { class: "primary big", type: "button", id: "sync-now", async onclick() {
    btn.disabled = true;
    btn.textContent = "正在同步…";
    await app.drain();
    await render();
  } }, "立即同步");
  return h(
    "section",
    { class: "page", "data-live": "" },
    h("h2", null, "同步"),
    expired
      ? h("div", { class: "card warn" }, h("p", null, "登录已过期。本机记录都在，重新登录后自动上传。"), h("button", { class: "primary", type: "button", onclick: () => navigate("/login") }, "重新登录"))
      : null,
    h("div", { class: "stats" },
      h("div", { class: "stat" }, h("b", { id: "pending-ops" }, String(s.pendingOps)), h("span", null, "条记录待同步")),
      h("div", { class: "stat" }, h("b", { id: "pending-media" }, String(s.pendingMedia)), h("span", null, `个文件待上传（${fmtBytes(s.pendingMediaBytes)}）`)),
    ),
    h("p", { class: "muted" }, navigator.onLine ? "网络已连接" : "当前离线：记录保存在本机，联网后自动同步"),
    last ? h("p", { class: "muted small" }, `上次同步：${fmtTime(last)}`) : null,
    lastErr && navigator.onLine ? h("p", { class: "error" }, lastErr) : null,
    btn,
    s.rejected.length
      ? h("div", { class: "card" }, h("h3", null, `未被接受的操作（${s.rejected.length}）`), h("p", { class: "muted small" }, "这些操作已原样记入案卷，但没有生效："),
          h("ul", { class: "failed" }, s.rejected.map((r) => h("li", null, h("a", { href: `/case/${r.case_id}` }, r.op.kind === "record" ? FORM_NAMES[String(r.op.payload["form"])] ?? "文书" : r.op.kind), `：${r.result?.reason ?? ""}`))))
      : null,
    s.failedMedia.length
      ? h("div", { class: "card" }, h("h3", null, "上传遇到问题的文件"), h("ul", { class: "failed" }, s.failedMedia.map((b) => h("li", null, `${b.filename}：${b.last_error}`))))
      : null,
    h("div", { class: "card" },
      h("h3", null, "本机存储"),
      est ? h("p", null, `已用 ${fmtBytes(est.usage ?? 0)}，可用约 ${fmtBytes(Math.max(0, (est.quota ?? 0) - (est.usage ?? 0)))}`) : h("p", null, "无法读取存储用量"),
      h("p", { class: "muted small" }, persisted ? "已获得持久存储：系统不会自动清除本机记录" : "尚未获得持久存储授权，请将本应用添加到主屏幕"),
    ),
  );
}
