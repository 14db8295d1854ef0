import { app } from "../app";
import { h } from "../dom";
import type { CaseRec } from "../types";
import { deadlineBadge } from "./common";

let query = "";
let stageFilter = "";

export async function caseListView(): Promise<HTMLElement> {
  const all = (await app.db.getAll("cases")).sort((a, b) => (b.created_at ?? "~").localeCompare(a.created_at ?? "~"));
  const me = app.me!;
  const mine = all.filter((c) => me.role !== "officer" || c.officer_ids.includes(me.id) || c.local);
  const stages = [...new Map(mine.map((c) => [c.stage ?? "", c.stage_name ?? "未同步"])).entries()];
  const list = h("ul", { class: "cases" });
  const search = h("input", { type: "search", placeholder: "搜索案由/当事人/案号", value: query, "aria-label": "搜索" });
  const stageSel = h(
    "select",
    { "aria-label": "阶段" },
    h("option", { value: "" }, "全部阶段"),
    stages.map(([code, name]) => h("option", { value: code, selected: code === stageFilter }, name)),
  );
  const fill = (): void => {
    const q = query.trim().toLowerCase();
    const shown = mine.filter(
      (c) =>
        (!stageFilter || (c.stage ?? "") === stageFilter) &&
        (!q || [c.cause, c.party?.name, c.case_no ?? ""].some((s) => (s ?? "").toLowerCase().includes(q))),
    );
    list.replaceChildren(...(shown.length ? shown.map(caseItem) : [h("li", { class: "empty" }, mine.length ? "没有符合条件的案件" : "暂无案件。点下方「新建」开始一个现场检查。")]));
  };
  search.addEventListener("input", () => {
    query = search.value;
    fill();
  });
  stageSel.addEventListener("change", () => {
    stageFilter = stageSel.value;
    fill();
  });
  fill();
  return h(
    "section",
    { class: "page", "data-live": "" },
    h("div", { class: "filters" }, search, stageSel),
    list,
    h("a", { class: "fab", href: "/new", "aria-label": "新建案件" }, "＋ 新建案件"),
  );
}

function caseItem(c: CaseRec): HTMLElement {
  return h(
    "li",
    null,
    h(
      "a",
      { class: "case-card", href: `/case/${c.id}`, "data-case-id": c.id },
      h("div", { class: "row" }, h("strong", null, c.cause), c.local ? h("span", { class: "badge orange" }, "待同步") : null),
      h("div", { class: "muted" }, `${c.party?.name ?? ""} · ${c.case_no ?? "未立案"}`),
      h(
        "div",
        { class: "row badges" },
        h("span", { class: "badge blue" }, c.stage_name ?? "现场执法检查"),
        c.has_unresolved_conflict ? h("span", { class: "badge red" }, "有冲突待处理") : null,
        c.is_major ? h("span", { class: "badge" }, "重大") : null,
        deadlineBadge(c),
      ),
    ),
  );
}
