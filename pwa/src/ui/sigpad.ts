import SignaturePad from "signature_pad";
import { h } from "../dom";

export interface Signed {
  strokes: number[][][];
  png: Blob;
  signed_at: string;
}

/** A signature pad that keeps vector strokes with timestamps, and renders a PNG on demand. */
export class SigPad {
  el: HTMLElement;
  private canvas: HTMLCanvasElement;
  private pad: SignaturePad | null = null;
  private lastEnd = "";
  onChange: () => void = () => undefined;

  constructor(label: string, name: string) {
    this.canvas = h("canvas", { class: "sigpad", "data-pad": name, "aria-label": label });
    const clear = h("button", { class: "btn", type: "button", onclick: () => this.clear() }, "重写");
    this.el = h("div", { class: "sigbox" }, h("div", { class: "row" }, h("span", null, label), clear), this.canvas);
    // Size the canvas once it is laid out (its CSS size is only known then).
    requestAnimationFrame(() => this.mount());
  }

  private mount(): void {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const w = this.canvas.offsetWidth || 340;
    const hh = this.canvas.offsetHeight || 160;
    this.canvas.width = w * ratio;
    this.canvas.height = hh * ratio;
    this.canvas.getContext("2d")!.scale(ratio, ratio);
    this.pad = new SignaturePad(this.canvas, { backgroundColor: "rgb(255,255,255)", penColor: "#111", minWidth: 1, maxWidth: 2.5 });
    this.pad.addEventListener("endStroke", () => {
      this.lastEnd = new Date().toISOString();
      this.onChange();
    });
  }

  isEmpty(): boolean {
    return !this.pad || this.pad.isEmpty();
  }

  clear(): void {
    this.pad?.clear();
    this.onChange();
  }

  async result(): Promise<Signed | null> {
    if (!this.pad || this.pad.isEmpty()) return null;
    const data = this.pad.toData();
    const t0 = data[0]?.points[0]?.time ?? 0;
    const strokes = data.map((g) => g.points.map((p) => [Math.round(p.x), Math.round(p.y), Math.round(p.time - t0)]));
    const png = await new Promise<Blob>((res, rej) => this.canvas.toBlob((b) => (b ? res(b) : rej(new Error("签名图片生成失败"))), "image/png"));
    return { strokes, png, signed_at: this.lastEnd || new Date().toISOString() };
  }
}
