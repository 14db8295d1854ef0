import "./styles.css";
import { app } from "./app";
import { h } from "./dom";
import { outboxStats } from "./outbox";
import { navigate, render, route, startRouter } from "./router";
import { caseListView } from "./ui/cases";
import { caseView } from "./ui/case";
import { captureView } from "./ui/capture";
import { editView } from "./ui/edit";
import { formPickView, recordView } from "./ui/record";
import { loginView } from "./ui/login";
import { meView } from "./ui/me";
import { newCaseView } from "./ui/newcase";
import { outboxView } from "./ui/outbox";
import { stageView } from "./ui/stage";

const UUID = "([0-9a-f-]{36})";

async function boot(): Promise<void> {
  await app.init();
  const pill = h("a", { class: "pill", href: "/outbox", id: "sync-pill" }, "…");
  const net = h("span", { class: "net", id: "net" });
  const header = h("header", { class: "top" }, h("a", { class: "brand", href: "/" }, "留痕"), net, pill);
  const main = h("main", { id: "view" });
  const nav = h(
    "nav",
    { class: "tabs" },
    h("a", { href: "/", "data-tab": "/" }, "案件"),
    h("a", { href: "/new", "data-tab": "/new" }, "新建"),
    h("a", { href: "/outbox", "data-tab": "/outbox" }, "同步"),
    h("a", { href: "/me", "data-tab": "/me" }, "我的"),
  );
  document.getElementById("app")!.replaceChildren(header, main, nav);

  const guard =
    <T extends unknown[]>(v: (...a: T) => Promise<HTMLElement> | HTMLElement) =>
    (...a: T) =>
      app.me ? v(...a) : (navigate("/login", true), h("div"));
  route(/^\/login$/, loginView);
  route(/^\/$/, guard(caseListView));
  route(/^\/new$/, guard(newCaseView));
  route(/^\/outbox$/, guard(outboxView));
  route(/^\/me$/, guard(meView));
  route(new RegExp(`^/case/${UUID}$`), guard(([id]) => caseView(id!)));
  route(new RegExp(`^/case/${UUID}/capture$`), guard(([id]) => captureView(id!)));
  route(new RegExp(`^/case/${UUID}/edit$`), guard(([id]) => editView(id!)));
  route(new RegExp(`^/case/${UUID}/stage$`), guard(([id]) => stageView(id!)));
  route(new RegExp(`^/case/${UUID}/forms$`), guard(([id]) => formPickView(id!)));
  route(new RegExp(`^/case/${UUID}/form/([a-z_]+)$`), guard(([id, form]) => recordView(id!, form!)));

  const updateChrome = async (path: string = location.pathname): Promise<void> => {
    nav.hidden = path === "/login";
    for (const a of nav.querySelectorAll<HTMLAnchorElement>("a")) a.classList.toggle("on", a.dataset["tab"] === path);
    net.textContent = navigator.onLine ? "" : "离线";
    net.className = navigator.onLine ? "net" : "net off";
    const s = await outboxStats(app.db);
    const n = s.pendingOps + s.pendingMedia;
    const expired = await app.authExpired();
    pill.textContent = expired ? "需重新登录" : n ? `待同步 ${n}` : "已同步";
    pill.className = `pill ${expired ? "warn" : n ? "busy" : "ok"}`;
    pill.dataset["pending"] = String(n);
  };
  startRouter(main, (p) => void updateChrome(p));
  app.onChange((data) => {
    void updateChrome();
    if (!data) return;
    const live = main.firstElementChild as HTMLElement | null;
    if (live?.dataset["live"] !== undefined && !live.contains(document.activeElement)) void render();
  });

  // Drain on start, when the network returns, when the app comes back to the foreground, and on a timer.
  void app.drain();
  window.addEventListener("online", () => {
    void updateChrome();
    void app.drain();
  });
  window.addEventListener("offline", () => void updateChrome());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") void app.drain();
  });
  setInterval(() => void app.drain(), 30_000);

  if ("serviceWorker" in navigator && import.meta.env.PROD) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(
      (reg) => {
        navigator.serviceWorker.addEventListener("message", (e) => {
          if (e.data?.type === "drain") void app.drain();
        });
        // Background Sync (not on iOS): the browser wakes us to drain even after the tab was closed.
        const sync = (reg as ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } }).sync;
        window.addEventListener("liuhen:queued", () => void sync?.register("liuhen-outbox").catch(() => undefined));
      },
      () => undefined,
    );
  }
}

void boot();
