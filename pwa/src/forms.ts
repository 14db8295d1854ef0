/** The record forms (contract §Records): fields, on-site rule, and the exact text the signer is shown. */
export type FieldKind = "text" | "textarea" | "datetime" | "number" | "select" | "items";

export interface FieldDef {
  name: string;
  label: string;
  kind: FieldKind;
  options?: [string, string][];
  required?: boolean;
  itemCols?: [string, string][];
}

export interface FormDef {
  code: string;
  name: string;
  onsite: boolean;
  fields: FieldDef[];
}

const PLACE: FieldDef = { name: "place", label: "地点", kind: "text", required: true };
const TIME: FieldDef = { name: "time", label: "时间", kind: "datetime", required: true };
const SAMPLE_COLS: [string, string][] = [
  ["name", "名称"],
  ["spec", "规格"],
  ["batch", "批号"],
  ["quantity", "数量"],
  ["samples", "抽样数"],
  ["seal_no", "封签编号"],
];
const SEAL_COLS: [string, string][] = [
  ["name", "名称"],
  ["spec", "规格"],
  ["quantity", "数量"],
  ["seal_no", "封条编号"],
];

export const FORMS: FormDef[] = [
  {
    code: "inspection_record",
    name: "现场检查笔录",
    onsite: true,
    fields: [TIME, PLACE, { name: "findings", label: "检查情况", kind: "textarea", required: true }],
  },
  {
    code: "inquiry_record",
    name: "询问笔录",
    onsite: true,
    fields: [
      TIME,
      PLACE,
      { name: "interviewee", label: "被询问人", kind: "text", required: true },
      { name: "qa", label: "询问内容（问答）", kind: "textarea", required: true },
    ],
  },
  {
    code: "sampling_record",
    name: "抽样取证凭证",
    onsite: true,
    fields: [TIME, PLACE, { name: "items", label: "抽样物品", kind: "items", itemCols: SAMPLE_COLS, required: true }],
  },
  {
    code: "sealing_decision",
    name: "查封/扣押决定与清单",
    onsite: true,
    fields: [
      { name: "measure", label: "措施", kind: "select", options: [["查封", "查封"], ["扣押", "扣押"]], required: true },
      { name: "start", label: "起始日期", kind: "datetime", required: true },
      { name: "period_days", label: "期限（日）", kind: "number", required: true },
      PLACE,
      { name: "items", label: "物品清单", kind: "items", itemCols: SEAL_COLS, required: true },
    ],
  },
  {
    code: "preservation_record",
    name: "先行登记保存",
    onsite: true,
    fields: [TIME, PLACE, { name: "items", label: "登记保存物品", kind: "items", itemCols: SEAL_COLS, required: true }],
  },
  {
    code: "service_receipt",
    name: "送达回证",
    onsite: true,
    fields: [
      { name: "document", label: "送达文书", kind: "text", required: true },
      {
        name: "method",
        label: "送达方式",
        kind: "select",
        required: true,
        options: [
          ["direct", "直接送达"],
          ["left_with_witness", "留置送达"],
          ["post", "邮寄送达"],
          ["electronic", "电子送达"],
          ["public_notice", "公告送达"],
        ],
      },
      { name: "recipient", label: "受送达人", kind: "text", required: true },
      { name: "served_at", label: "送达时间", kind: "datetime", required: true },
    ],
  },
];

const OFFICE: [string, string][] = [
  ["source_registration", "案源登记表"],
  ["filing_approval", "立案审批"],
  ["review_report", "案件审查报告"],
  ["penalty_notice", "事先告知书"],
  ["statement_record", "陈述申辩笔录"],
  ["decision_document", "决定书"],
  ["execution_record", "执行记录"],
  ["archive_record", "结案归档"],
];
for (const [code, name] of OFFICE) {
  FORMS.push({ code, name, onsite: false, fields: [{ name: "content", label: "内容", kind: "textarea", required: true }] });
}

export const FORM_NAMES: Record<string, string> = Object.fromEntries(FORMS.map((f) => [f.code, f.name]));

export function formDef(code: string): FormDef | undefined {
  return FORMS.find((f) => f.code === code);
}

export type Item = Record<string, string>;

export interface RecordDraft {
  caseNo: string;
  cause: string;
  partyName: string;
  fields: Record<string, unknown>;
  officers: { name: string; certificate_no: string }[];
}

/** The exact text shown to the signer; its SHA-256 binds every signature. Deterministic for a draft. */
export function renderRecordText(form: FormDef, d: RecordDraft): string {
  const lines = [`【${form.name}】`, `案件：${d.caseNo}`, `案由：${d.cause}`, `当事人：${d.partyName}`];
  for (const f of form.fields) {
    const v = d.fields[f.name];
    if (f.kind === "items") {
      const items = (v as Item[] | undefined) ?? [];
      lines.push(`${f.label}（共${items.length}项）：`);
      items.forEach((it, i) => {
        lines.push(`  ${i + 1}. ` + (f.itemCols ?? []).map(([k, l]) => `${l}:${it[k] ?? ""}`).join("；"));
      });
    } else if (f.kind === "select") {
      const label = f.options?.find(([k]) => k === v)?.[1] ?? String(v ?? "");
      lines.push(`${f.label}：${label}`);
    } else if (f.kind === "datetime") {
      lines.push(`${f.label}：${String(v ?? "").replace("T", " ")}`);
    } else {
      lines.push(`${f.label}：${v === undefined || v === null ? "" : String(v)}`);
    }
  }
  lines.push("执法人员：" + d.officers.map((o) => `${o.name}（执法证号 ${o.certificate_no}）`).join("、"));
  return lines.join("\n");
}

/** Field values as the contract wants them (numbers where numbers are expected). */
export function normaliseFields(form: FormDef, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of form.fields) {
    const v = raw[f.name];
    if (f.kind === "number") out[f.name] = v === "" || v === undefined ? null : Math.trunc(Number(v));
    else if (f.kind === "items") {
      out[f.name] = ((v as Item[] | undefined) ?? []).map((it) => {
        const row: Record<string, unknown> = {};
        for (const [k] of f.itemCols ?? []) {
          row[k] = k === "samples" || k === "quantity" ? (/^\d+$/.test(it[k] ?? "") ? Number(it[k]) : it[k] ?? "") : it[k] ?? "";
        }
        return row;
      });
    } else out[f.name] = v ?? "";
  }
  return out;
}

export function missingFields(form: FormDef, raw: Record<string, unknown>): string[] {
  return form.fields
    .filter((f) => f.required)
    .filter((f) => {
      const v = raw[f.name];
      if (f.kind === "items") return !((v as Item[] | undefined) ?? []).some((it) => (it["name"] ?? "").trim());
      return v === undefined || v === null || String(v).trim() === "";
    })
    .map((f) => f.label);
}
