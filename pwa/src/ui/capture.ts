import { app } from "../app";
import { captureBlob, record } from "../capture";
import { fmtTime, h, toast } from "../dom";
import type { Location } from "../types";
import { backBar, loadCase, notFound } from "./common";

export async function captureView(id: string): Promise<HTMLElement> {
  const c = await loadCase(id);
  if (!c) return notFound();
  const status = h("p", { class: "status", role: "status", id: "capture-status" });
  const say = (m: string, ok = true): void => {
    status.textContent = m;
    status.className = ok ? "status ok" : "status error";
  };

  // Photo: the camera through a file input keeps the original bytes (EXIF included) untouched.
  const preview = h("div", { class: "previews" });
  const photo = h("input", { type: "file", accept: "image/*", capture: "environment", id: "photo-input", class: "visually-hidden", multiple: true });
  photo.addEventListener("change", async () => {
    for (const f of Array.from(photo.files ?? [])) {
      const t0 = performance.now();
      try {
        const op = await captureBlob(id, "photo", f, f.name || "photo.jpg");
        const ms = performance.now() - t0;
        document.body.dataset["captureMs"] = ms.toFixed(1);
        preview.prepend(h("img", { src: URL.createObjectURL(f), alt: "刚拍的照片" }));
        say(`照片已保存（${(f.size / 1024 / 1024).toFixed(1)} MB，${Math.round(ms)} 毫秒，SHA-256 ${String(op.payload["sha256"]).slice(0, 12)}…）`);
      } catch (e) {
        say(e instanceof Error ? e.message : "照片保存失败", false);
      }
    }
    photo.value = "";
  });

  // GPS: several fixes, each with accuracy and age; the officer keeps the best one.
  const fixes = h("ul", { class: "fixes" });
  const gpsBtn = h("button", { class: "btn big", type: "button", id: "gps-btn" }, "获取定位");
  let watch: number | null = null;
  const showFix = (loc: Location): void => {
    const age = Math.round((Date.now() - Date.parse(loc.fix_time!)) / 1000);
    fixes.prepend(
      h("li", { class: "fix" },
        h("span", null, `${loc.lat.toFixed(6)}, ${loc.lon.toFixed(6)}`),
        h("span", { class: loc.accuracy <= 30 ? "badge green" : "badge orange" }, `±${Math.round(loc.accuracy)}米`),
        h("span", { class: "muted small" }, `${age}秒前`),
        h("button", { class: "primary", type: "button", "data-save-fix": "", async onclick() {
          await record(id, "gps_fix", { lat: loc.lat, lon: loc.lon, accuracy: loc.accuracy, fix_time: loc.fix_time, source: loc.source, ...(loc as { altitude?: number }).altitude != null ? { altitude: (loc as { altitude?: number }).altitude } : {} });
          say(`定位已保存（±${Math.round(loc.accuracy)}米）`);
        } }, "保存此定位"),
      ),
    );
  };
  gpsBtn.addEventListener("click", () => {
    if (!("geolocation" in navigator)) return say("本设备不支持定位", false);
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    say("正在定位…");
    let n = 0;
    watch = navigator.geolocation.watchPosition(
      (p) => {
        const loc: Location & { altitude?: number } = {
          lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy, source: "gps",
          fix_time: new Date(p.timestamp).toISOString(),
        };
        if (p.coords.altitude !== null) loc.altitude = p.coords.altitude;
        app.lastFix = loc;
        showFix(loc);
        say(`已获取第 ${++n} 次定位，点「保存此定位」记录`);
        if (n >= 3 && watch !== null) navigator.geolocation.clearWatch(watch);
      },
      (e) => say(e.code === 1 ? "未获得定位权限，请在浏览器设置中允许" : "暂时无法定位，请到开阔处重试", false),
      { enableHighAccuracy: true, maximumAge: 0, timeout: 20_000 },
    );
  });

  // Audio / video clips via MediaRecorder.
  const recorder = (kind: "audio" | "video"): HTMLElement => {
    const btn = h("button", { class: "btn big", type: "button" }, kind === "audio" ? "开始录音" : "开始录像");
    let mr: MediaRecorder | null = null;
    btn.addEventListener("click", async () => {
      if (mr && mr.state === "recording") {
        mr.stop();
        return;
      }
      try {
        const stream = await navigator.mediaDevices.getUserMedia(kind === "audio" ? { audio: true } : { audio: true, video: { facingMode: "environment" } });
        const chunks: Blob[] = [];
        mr = new MediaRecorder(stream);
        const started = new Date();
        mr.ondataavailable = (e) => chunks.push(e.data);
        mr.onstop = async () => {
          stream.getTracks().forEach((t) => t.stop());
          const type = mr?.mimeType || (kind === "audio" ? "audio/webm" : "video/webm");
          const blob = new Blob(chunks, { type });
          const ext = type.includes("mp4") ? "mp4" : "webm";
          await captureBlob(id, kind, blob, `${kind}-${started.toISOString().replace(/[:.]/g, "")}.${ext}`, { recording_started_at: started.toISOString() });
          btn.textContent = kind === "audio" ? "开始录音" : "开始录像";
          say(`${kind === "audio" ? "录音" : "录像"}已保存（${Math.round(blob.size / 1024)} KB）`);
        };
        mr.start(1000);
        btn.textContent = "停止并保存";
        say(`正在${kind === "audio" ? "录音" : "录像"}… ${fmtTime(started.toISOString())}`);
      } catch {
        say("无法使用麦克风/摄像头，请检查权限", false);
      }
    });
    return btn;
  };

  const note = h("textarea", { rows: 3, placeholder: "现场情况备注", id: "note-text" });
  const noteBtn = h("button", { class: "primary", type: "button", async onclick() {
    if (!note.value.trim()) return say("备注不能为空", false);
    await record(id, "note", { text: note.value.trim() });
    note.value = "";
    toast("备注已保存");
    say("备注已保存");
  } }, "保存备注");

  return h(
    "section",
    { class: "page" },
    backBar(`/case/${id}`, "现场采集"),
    status,
    h("div", { class: "grid" },
      h("label", { class: "btn big primary", for: "photo-input" }, "拍照"), photo,
      gpsBtn, recorder("audio"), recorder("video"),
    ),
    fixes,
    preview,
    h("div", { class: "card" }, note, noteBtn),
  );
}
