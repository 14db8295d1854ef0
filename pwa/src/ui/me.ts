import { app } from "../app";
import { getMeta } from "../db";
import { h } from "../dom";
import { navigate } from "../router";

export async function meView(): Promise<HTMLElement> {
  const me = app.me!;
  const device = await getMeta<string>(app.db, "device_id");
  const roles: Record<string, string> = { officer: "执法人员", legal_reviewer: "法制审核人员", leader: "机关负责人", supervisor: "监督人员", admin: "系统管理员" };
  return h(
    "section",
    { class: "page" },
    h("h2", null, "我的"),
    h("div", { class: "card" },
      h("p", null, h("strong", null, me.display_name), ` · ${roles[me.role] ?? me.role}`),
      h("p", { class: "muted" }, me.department_name ?? ""),
      me.certificate_no ? h("p", null, `执法证号：${me.certificate_no}`) : null,
      h("p", { class: "muted small" }, `本机设备号：${device ?? "未登记"}`),
    ),
    h("button", { class: "btn big", type: "button", async onclick() {
      await app.logout();
      navigate("/login");
    } }, "退出登录（本机未同步的记录会保留）"),
  );
}
