import { app } from "../app";
import { record } from "../capture";
import { field, h, toast } from "../dom";
import { FORMS, formDef, missingFields, normaliseFields, renderRecordText, type FieldDef, type FormDef, type Item } from "../forms";
import { sha256Hex } from "../lib/util";
import type { NewBlob } from "../outbox";
import { navigate } from "../router";
import type { CaseRec } from "../types";
import { backBar, loadCase, notFound } from "./common";
import { SigPad } from "./sigpad";
import { timelineItems } from "./timeline";

export async function formPickView(id: string): Promise<HTMLElement> {
  const c = await loadCase(id);
  if (!c) return notFound();
  const link = (f: FormDef) => h("a", { class: "btn big", href: `/case/${id}/form/${f.code}`, "data-form": f.code }, f.name);
  return h(
    "section",
    { class: "page" },
    backBar(`/case/${id}`, "选择文书"),
    h("h3", null, "现场文书（须两名执法人员、当事人签名）"),
    h("div", { class: "grid" }, FORMS.filter((f) => f.onsite).map(link)),
    h("h3", null, "内部文书"),
    h("div", { class: "grid" }, FORMS.filter((f) => !f.onsite).map(link)),
  );
}

function nowLocal(): string {
  const d = new Date(Date.now() - new Date().getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

function itemsEditor(f: FieldDef, rows: Item[], onChange: () => void): HTMLElement {
  const box = h("div", { class: "items", "data-items": f.name });
  const draw = (): void => {
    box.replaceChildren(
      ...rows.map((row, i) =>
        h("fieldset", { class: "item-row" },
          h("legend", null, `第 ${i + 1} 项`),
          ...(f.itemCols ?? []).map(([k, label]) => {
            const inp = h("input", { value: row[k] ?? "", "data-col": k, "aria-label": label, placeholder: label, inputmode: k === "quantity" || k === "samples" ? "numeric" : null });
            inp.addEventListener("input", () => {
              row[k] = inp.value;
              onChange();
            });
            return h("label", { class: "cell" }, h("small", null, label), inp);
          }),
          h("button", { class: "btn", type: "button", onclick: () => { rows.splice(i, 1); draw(); onChange(); } }, "删除此项"),
        ),
      ),
      h("button", { class: "btn", type: "button", "data-add-item": "", onclick: () => { rows.push({}); draw(); onChange(); } }, "＋ 添加一项"),
    );
  };
  draw();
  return box;
}

export async function recordView(id: string, code: string): Promise<HTMLElement> {
  const c = await loadCase(id);
  const form = formDef(code);
  if (!c || !form) return notFound();
  const me = app.me!;
  const users = await app.users();
  const values: Record<string, unknown> = {};
  const inputs: HTMLElement[] = [];
  const pre = h("pre", { class: "record-text", id: "record-text" });
  const warn = h("p", { class: "error", role: "alert" });
  let text = "";
  const pads: SigPad[] = [];

  const officerBoxes = users
    .filter((u) => u.certificate_no && (u.role === "officer" || u.role === "leader"))
    .map((u) => h("label", { class: "check" }, h("input", { type: "checkbox", value: u.id, "data-officer": u.username, checked: u.id === me.id || (c.officer_ids.includes(u.id) && c.officer_ids.length <= 3) }), `${u.display_name}（${u.certificate_no}）`));
  const chosenOfficers = () =>
    officerBoxes.map((b) => b.querySelector("input")!).filter((i) => i.checked).map((i) => users.find((u) => u.id === i.value)!);

  const update = (): void => {
    const draft = {
      caseNo: c.case_no ?? "未立案",
      cause: c.cause,
      partyName: c.party?.name ?? "",
      fields: normaliseFields(form, values),
      officers: chosenOfficers().map((u) => ({ name: u.display_name, certificate_no: u.certificate_no ?? "" })),
    };
    const next = renderRecordText(form, draft);
    if (next !== text && pads.some((p) => !p.isEmpty())) {
      pads.forEach((p) => p.clear());
      warn.textContent = "文书内容已改变，签名已清除，请让签名人重新阅读后签名";
    }
    text = next;
    pre.textContent = text;
  };

  for (const f of form.fields) {
    if (f.kind === "items") {
      const rows: Item[] = [{}];
      values[f.name] = rows;
      inputs.push(h("div", { class: "field" }, h("span", null, f.label), itemsEditor(f, rows, update)));
      continue;
    }
    let inp: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    if (f.kind === "select") inp = h("select", { name: f.name }, (f.options ?? []).map(([v, l]) => h("option", { value: v }, l)));
    else if (f.kind === "textarea") inp = h("textarea", { name: f.name, rows: 4 });
    else inp = h("input", { name: f.name, type: f.kind === "datetime" ? "datetime-local" : f.kind === "number" ? "number" : "text", inputmode: f.kind === "number" ? "numeric" : null });
    if (f.kind === "datetime") inp.value = nowLocal();
    if (f.name === "recipient") inp.value = c.party?.name ?? "";
    if (f.name === "period_days") inp.value = "30";
    values[f.name] = inp.value;
    inp.addEventListener("input", () => {
      values[f.name] = inp.value;
      update();
    });
    inp.addEventListener("change", () => {
      values[f.name] = inp.value;
      update();
    });
    inputs.push(field(f.label, inp));
  }
  for (const b of officerBoxes) b.addEventListener("change", update);

  // Audio/video evidence of this case, or a reason why there is none.
  const av = (await timelineItems(id)).filter((i) => i.kind === "audio" || i.kind === "video");
  const avBoxes = av.map((i) => h("label", { class: "check" }, h("input", { type: "checkbox", value: String(i.payload["sha256"]), checked: true }), `${i.kind === "audio" ? "录音" : "录像"} ${String(i.payload["filename"] ?? "")}`));
  const noAv = h("input", { name: "no_av_reason", placeholder: "没有音像记录的原因（如：执法记录仪故障）" });

  const partyPad = new SigPad("当事人签名（请当事人阅读上方正文后签名）", "party");
  const refuse = h("input", { type: "checkbox", name: "party_refused" });
  const refuseReason = h("input", { name: "refuse_reason", placeholder: "拒绝签名的情况" });
  const witnessName = h("input", { name: "witness_name", placeholder: "见证人姓名" });
  const witnessPad = new SigPad("见证人签名", "witness");
  const officerPad = new SigPad(`执法人员签名（${me.display_name}）`, "officer");
  pads.push(partyPad, witnessPad, officerPad);
  const refusedBox = h("div", { class: "card", hidden: true }, field("拒签情况", refuseReason), field("见证人", witnessName), witnessPad.el);
  refuse.addEventListener("change", () => {
    refusedBox.hidden = !refuse.checked;
    partyPad.el.hidden = refuse.checked;
  });
  for (const p of pads) p.onChange = () => (warn.textContent = "");

  const save = h("button", { class: "primary big", type: "button", id: "save-record" }, "保存文书");
  save.addEventListener("click", async () => {
    update();
    const problems = missingFields(form, values).map((l) => `请填写「${l}」`);
    const officers = chosenOfficers();
    if (form.onsite) {
      if (officers.length < 2) problems.push("现场执法须选择两名以上持证执法人员");
      if (refuse.checked) {
        if (!refuseReason.value.trim() || !witnessName.value.trim()) problems.push("拒绝签名的，须写明情况和见证人");
        if (witnessPad.isEmpty()) problems.push("请见证人签名");
      } else if (partyPad.isEmpty()) problems.push("请当事人签名，或勾选「当事人拒绝签名」");
      if (code === "inquiry_record" && officerPad.isEmpty()) problems.push("询问笔录须由执法人员签名");
      if (!avBoxes.some((b) => b.querySelector("input")!.checked) && !noAv.value.trim()) problems.push("请选择音像记录，或说明没有音像记录的原因");
    }
    if (problems.length) {
      warn.textContent = problems.join("；");
      return;
    }
    save.disabled = true;
    try {
      await saveRecord(c, form, text, values, officers.map((u) => ({ user_id: u.id, certificate_no: u.certificate_no ?? "" })), {
        party: refuse.checked ? null : partyPad,
        witness: refuse.checked ? { pad: witnessPad, name: witnessName.value.trim() } : null,
        officer: officerPad.isEmpty() ? null : officerPad,
        refused: refuse.checked ? { reason: refuseReason.value.trim(), witness_name: witnessName.value.trim() } : null,
        av: avBoxes.map((b) => b.querySelector("input")!).filter((i) => i.checked).map((i) => i.value),
        noAv: noAv.value.trim() || null,
      });
      toast(`${form.name}已保存`);
      navigate(`/case/${id}`, true);
    } catch (e) {
      warn.textContent = e instanceof Error ? e.message : "保存失败";
      save.disabled = false;
    }
  });

  const view = h(
    "section",
    { class: "page" },
    backBar(`/case/${id}/forms`, form.name),
    h("div", { class: "card" }, ...inputs),
    form.onsite ? h("fieldset", { class: "card" }, h("legend", null, "执法人员（两名以上持证）"), officerBoxes.length ? officerBoxes : h("p", { class: "error" }, "本机没有同事名单，请联网一次")) : null,
    form.onsite ? h("fieldset", { class: "card" }, h("legend", null, "音像记录"), avBoxes.length ? avBoxes : h("p", { class: "muted small" }, "本案还没有录音录像"), noAv) : null,
    h("h3", null, "文书正文（签名人所见）"),
    pre,
    form.onsite ? h("div", { class: "card" }, partyPad.el, h("label", { class: "check" }, refuse, "当事人拒绝签名"), refusedBox) : null,
    h("div", { class: "card" }, officerPad.el),
    warn,
    save,
  );
  update();
  return view;
}

interface Sigs {
  party: SigPad | null;
  witness: { pad: SigPad; name: string } | null;
  officer: SigPad | null;
  refused: { reason: string; witness_name: string } | null;
  av: string[];
  noAv: string | null;
}

/** Bind every signature to the SHA-256 of the exact text shown, and store record + PNGs in one op. */
async function saveRecord(
  c: CaseRec, form: FormDef, text: string, raw: Record<string, unknown>,
  officers: { user_id: string; certificate_no: string }[], s: Sigs,
): Promise<void> {
  const textSha = await sha256Hex(text);
  const signatures: Record<string, unknown>[] = [];
  const blobs: NewBlob[] = [];
  const add = async (role: string, name: string, pad: SigPad): Promise<void> => {
    const r = await pad.result();
    if (!r) return;
    const buf = await r.png.arrayBuffer();
    const pngSha = await sha256Hex(buf);
    signatures.push({ role, name, strokes: r.strokes, png_sha256: pngSha, text_sha256: textSha, signed_at: r.signed_at });
    if (!blobs.some((b) => b.sha256 === pngSha)) {
      blobs.push({ sha256: pngSha, blob: new Blob([buf], { type: "image/png" }), filename: `signature-${role}.png`, content_type: "image/png", size: buf.byteLength, case_id: c.id });
    }
  };
  if (s.party) await add("party", c.party?.name ?? "当事人", s.party);
  if (s.witness) await add("witness", s.witness.name, s.witness.pad);
  if (s.officer) await add("officer", app.me!.display_name, s.officer);
  const payload = {
    form: form.code, text, text_sha256: textSha, fields: normaliseFields(form, raw), officers, signatures,
    party_refused: s.refused, av_media: s.av, no_av_reason: s.av.length ? null : s.noAv,
  };
  await record(c.id, "record", payload, { media: blobs.map((b) => b.sha256), blobs });
}
