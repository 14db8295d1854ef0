import { app } from "../app";
import { record } from "../capture";
import { h, toast } from "../dom";
import { FORM_NAMES } from "../forms";
import { navigate } from "../router";
import { backBar, loadCase, notFound } from "./common";
import { timelineItems } from "./timeline";

/** The same rules the server enforces, shown offline: a stage is done when its required records exist. */
export async function stageView(id: string): Promise<HTMLElement> {
  const c = await loadCase(id);
  if (!c) return notFound();
  const stages = await app.stagesOf(c);
  const items = await timelineItems(id);
  const have = new Set(items.filter((i) => i.kind === "record").map((i) => String(i.payload["form"])));
  const cur = Math.max(0, stages.findIndex((s) => s.code === c.stage));
  // Reachable: the next stage, or a conditional stage on the way to it (the server decides if it applies).
  let reach = cur + 1;
  while (reach < stages.length && (stages[reach] as { condition?: string | null }).condition) reach++;
  const missing = (req: string[] = []) => req.filter((r) => !r.split("|").some((f) => have.has(f)));
  const list = stages.map((s, i) => {
    const miss = missing(s.required_records);
    const state = i < cur ? "done" : i === cur ? "current" : "todo";
    const cond = (s as { condition?: string | null }).condition ?? (s.conditional ? "cond" : null);
    return h(
      "li",
      { class: `stage ${state}` },
      h("div", { class: "row" }, h("strong", null, s.name), cond ? h("span", { class: "badge" }, "视情况") : null, state === "current" ? h("span", { class: "badge blue" }, "当前") : null),
      i >= cur && (s.required_records ?? []).length
        ? h("p", { class: "muted small" }, "需要：" + (s.required_records ?? []).map((r) => r.split("|").map((f) => FORM_NAMES[f] ?? f).join("或") + (miss.includes(r) ? " ✗" : " ✓")).join("；"))
        : null,
      i > cur && i <= reach
        ? h("button", {
            class: i === cur + 1 ? "primary" : "btn",
            type: "button",
            "data-stage": s.code,
            async onclick() {
              const curMiss = missing(stages[cur]?.required_records);
              if (curMiss.length && !confirm(`当前阶段还缺少：${curMiss.map((r) => FORM_NAMES[r.split("|")[0]!] ?? r).join("、")}。服务器会拒绝，仍要提交吗？`)) return;
              await record(id, "stage_transition", { from: c.stage, to: s.code });
              toast(`已申请进入「${s.name}」，以服务器审核为准`);
              navigate(`/case/${id}`, true);
            },
          }, `申请进入「${s.name}」`)
        : null,
    );
  });
  return h(
    "section",
    { class: "page" },
    backBar(`/case/${id}`, "办案阶段"),
    stages.length ? h("ol", { class: "stages" }, list) : h("p", { class: "empty" }, "尚未缓存程序规则，请联网一次。"),
  );
}
