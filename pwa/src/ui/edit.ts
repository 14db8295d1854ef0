import { record } from "../capture";
import { field, h, toast } from "../dom";
import { navigate } from "../router";
import { backBar, loadCase, notFound } from "./common";

export async function editView(id: string): Promise<HTMLElement> {
  const c = await loadCase(id);
  if (!c) return notFound();
  const cause = h("input", { name: "cause", value: c.cause, required: true });
  const err = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    {
      class: "card",
      async onsubmit(e: Event) {
        e.preventDefault();
        const v = cause.value.trim();
        if (!v) return void (err.textContent = "案由不能为空");
        if (v === c.cause) return navigate(`/case/${id}`);
        // The op and the local change go into the same transaction.
        await record(id, "case_update", { fields: { cause: v } }, { caseRec: { ...c, cause: v } });
        toast("已保存，联网后同步");
        navigate(`/case/${id}`, true);
      },
    },
    field("案由", cause, "如同事同时修改，系统会保留两个版本并提示处理"),
    err,
    h("button", { class: "primary big", type: "submit" }, "保存"),
  );
  return h("section", { class: "page" }, backBar(`/case/${id}`, "修改案由"), form);
}
