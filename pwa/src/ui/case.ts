import { app } from "../app";
import { h } from "../dom";
import { backBar, deadlineBadge, loadCase, notFound } from "./common";
import { renderItem, timelineItems } from "./timeline";

export async function caseView(id: string): Promise<HTMLElement> {
  const c = await loadCase(id);
  if (!c) {
    if (navigator.onLine) void app.sync.refreshCases([id]).then(() => app.emit());
    return notFound();
  }
  const items = await timelineItems(id);
  const rendered = await Promise.all(items.map((it) => renderItem(it, c)));
  rendered.reverse(); // newest first
  const resolvedSeqs = new Set(items.filter((i) => i.kind === "resolve").map((i) => Number(i.payload["conflict_seq"])));
  for (const el of rendered) {
    // hide the resolve buttons of a conflict this device already resolved (while the resolve waits to sync)
    const seq = el.querySelector(".conflict") ? Number(el.querySelector(".badge.green")?.textContent?.slice(1)) : NaN;
    if (resolvedSeqs.has(seq)) el.querySelector(".resolve")?.remove();
  }
  return h(
    "section",
    { class: "page", "data-live": "", "data-case": id },
    backBar("/", c.cause),
    h(
      "div",
      { class: "card summary" },
      h("div", { class: "row" }, h("span", { class: "badge blue" }, c.stage_name ?? "现场执法检查"), c.local ? h("span", { class: "badge orange" }, "待同步") : null, c.has_unresolved_conflict ? h("span", { class: "badge red" }, "有冲突待处理") : null, deadlineBadge(c)),
      h("p", null, `当事人：${c.party?.name ?? ""}`),
      h("p", { class: "muted" }, `案号：${c.case_no ?? "未立案"}`),
    ),
    h(
      "div",
      { class: "actions" },
      h("a", { class: "btn big", href: `/case/${id}/capture` }, "现场采集"),
      h("a", { class: "btn big", href: `/case/${id}/forms` }, "文书"),
      h("a", { class: "btn", href: `/case/${id}/edit` }, "修改案由"),
      h("a", { class: "btn", href: `/case/${id}/stage` }, "推进阶段"),
    ),
    h("h3", null, `留痕记录（${items.length}）`),
    h("ol", { class: "timeline" }, rendered),
  );
}
