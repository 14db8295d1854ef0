import { app } from "../app";
import { field, h } from "../dom";
import { navigate } from "../router";

export function loginView(): HTMLElement {
  const user = h("input", { name: "username", autocomplete: "username", required: true, autocapitalize: "off" });
  const pass = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const err = h("p", { class: "error", role: "alert" });
  const btn = h("button", { class: "primary big", type: "submit" }, "登录");
  const form = h(
    "form",
    {
      class: "card login",
      async onsubmit(e: Event) {
        e.preventDefault();
        err.textContent = "";
        btn.disabled = true;
        btn.textContent = "正在登录…";
        try {
          await app.login(user.value.trim(), pass.value);
          navigate("/", true);
        } catch (x) {
          err.textContent = x instanceof Error ? x.message : "登录失败";
        } finally {
          btn.disabled = false;
          btn.textContent = "登录";
        }
      },
    },
    h("h1", null, "留痕"),
    h("p", { class: "muted" }, "行政执法全过程记录"),
    field("用户名", user),
    field("密码", pass),
    err,
    btn,
    h("p", { class: "muted small" }, "首次登录需要联网；登录后离线也可以采集，联网后自动同步。"),
  );
  return h("section", { class: "page" }, form);
}
