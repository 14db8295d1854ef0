import { app } from "../app";
import { h } from "../dom";
import type { CaseRec } from "../types";

export async function loadCase(id: string): Promise<CaseRec | undefined> {
  return app.db.get("cases", id);
}

export function notFound(): HTMLElement {
  return h("section", { class: "page" }, h("p", { class: "empty" }, "本机没有这个案件的资料，请联网后刷新。"), h("a", { class: "btn", href: "/" }, "返回案件列表"));
}

export function backBar(href: string, title: string): HTMLElement {
  return h("div", { class: "bar" }, h("a", { class: "back", href, "aria-label": "返回" }, "‹"), h("h2", null, title));
}

export function deadlineBadge(c: CaseRec): HTMLElement | null {
  const ds = (c.deadlines ?? []).filter((d) => d.due).sort((a, b) => a.due.localeCompare(b.due));
  const d = ds[0];
  if (!d) return null;
  const days = Math.ceil((Date.parse(d.due) - Date.now()) / 86_400_000);
  const cls = days < 0 ? "badge red" : days <= 3 ? "badge orange" : "badge";
  const txt = days < 0 ? `${d.name}已逾期${-days}天` : days === 0 ? `${d.name}今天到期` : `${d.name}剩${days}天`;
  return h("span", { class: cls }, txt);
}

export function canResolve(c: CaseRec): boolean {
  const me = app.me;
  if (!me) return false;
  return me.role === "leader" || c.officer_ids.includes(me.id);
}
