import { app, PROCEDURE_NAMES } from "../app";
import { field, h, toast } from "../dom";
import { record } from "../capture";
import { uuid4 } from "../lib/util";
import { navigate } from "../router";
import type { CaseRec, Party } from "../types";

export async function newCaseView(): Promise<HTMLElement> {
  const me = app.me!;
  const procs = await app.procedures();
  const types = procs ? Object.entries(procs.procedure_types).map(([k, v]) => [k, v.name] as const) : Object.entries(PROCEDURE_NAMES);
  const ptype = h("select", { name: "procedure_type" }, types.map(([k, n]) => h("option", { value: k }, n)));
  const cause = h("input", { name: "cause", required: true, placeholder: "如：涉嫌销售过期食品" });
  const ptypeParty = h("select", { name: "party_type" }, h("option", { value: "organisation" }, "单位"), h("option", { value: "person" }, "个人"));
  const pname = h("input", { name: "party_name", required: true });
  const pid = h("input", { name: "party_id_no", placeholder: "统一社会信用代码或身份证号" });
  const paddr = h("input", { name: "party_address" });
  const pcontact = h("input", { name: "party_contact", type: "tel" });
  const users = (await app.users()).filter((u) => u.role === "officer" || u.role === "leader");
  const boxes = users.map((u) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "officer", value: u.id, checked: u.id === me.id }), `${u.display_name}${u.certificate_no ? `（${u.certificate_no}）` : ""}`),
  );
  const err = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    {
      class: "card",
      async onsubmit(e: Event) {
        e.preventDefault();
        err.textContent = "";
        if (!cause.value.trim() || !pname.value.trim()) {
          err.textContent = "请填写案由和当事人名称";
          return;
        }
        const id = uuid4();
        const officerIds = boxes.map((b) => b.querySelector("input")!).filter((i) => i.checked).map((i) => i.value);
        if (me.role === "officer" && !officerIds.includes(me.id)) officerIds.unshift(me.id);
        const party: Party = { type: ptypeParty.value as Party["type"], name: pname.value.trim() };
        if (pid.value.trim()) party.id_no = pid.value.trim();
        if (paddr.value.trim()) party.address = paddr.value.trim();
        if (pcontact.value.trim()) party.contact = pcontact.value.trim();
        const payload = { procedure_type: ptype.value, cause: cause.value.trim(), party, officer_ids: officerIds, is_major: false };
        const stages = procs?.procedure_types[ptype.value]?.stages ?? [];
        const caseRec: CaseRec = {
          id, ...payload, local: true, case_no: null, stage: stages[0]?.code, stage_name: stages[0]?.name,
          stages, created_at: new Date().toISOString(), department_id: me.department_id,
        };
        try {
          await record(id, "case_open", payload, { caseRec });
          toast("案件已保存在本机");
          navigate(`/case/${id}`, true);
        } catch (x) {
          err.textContent = x instanceof Error ? x.message : "保存失败";
        }
      },
    },
    field("程序类型", ptype),
    field("案由", cause),
    field("当事人类型", ptypeParty),
    field("当事人名称", pname),
    field("证件号码", pid),
    field("地址", paddr),
    field("联系方式", pcontact),
    h("fieldset", null, h("legend", null, "承办人员（现场执法须两名以上持证人员）"), boxes.length ? boxes : h("p", { class: "muted" }, "联网后可选择同事")),
    err,
    h("button", { class: "primary big", type: "submit" }, "保存案件"),
  );
  return h("section", { class: "page" }, h("h2", null, "新建案件"), form);
}
