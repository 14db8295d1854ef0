// Draw the app icons (a red seal with a white ring and a trail of three marks) as PNGs, no downloads.
import { mkdirSync, writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "public", "icons");
mkdirSync(out, { recursive: true });

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
};

function icon(size, maskable) {
  const px = Buffer.alloc(size * (size * 4 + 1));
  const cx = size / 2, cy = size / 2;
  const pad = maskable ? 0 : size * 0.06;
  const r = size / 2 - pad;
  const corner = maskable ? 0 : size * 0.2;
  for (let y = 0; y < size; y++) {
    px[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const i = y * (size * 4 + 1) + 1 + x * 4;
      // rounded square
      const dx = Math.max(Math.abs(x + 0.5 - cx) - (r - corner), 0);
      const dy = Math.max(Math.abs(y + 0.5 - cy) - (r - corner), 0);
      const inside = Math.hypot(dx, dy) <= corner || (corner === 0 && Math.abs(x + 0.5 - cx) <= r && Math.abs(y + 0.5 - cy) <= r);
      let rgba = inside ? [179, 38, 30, 255] : [0, 0, 0, 0];
      const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
      const s = maskable ? 0.75 : 1;
      if (inside && d <= size * 0.34 * s && d >= size * 0.29 * s) rgba = [255, 255, 255, 255];
      // three footprints along a diagonal: the trail
      for (const [fx, fy] of [[-0.1, 0.1], [0, 0], [0.1, -0.1]]) {
        if (inside && Math.hypot(x + 0.5 - (cx + fx * size * s), (y + 0.5 - (cy + fy * size * s)) * 0.8) <= size * 0.045 * s) rgba = [255, 255, 255, 255];
      }
      px.set(rgba, i);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(px, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

writeFileSync(join(out, "icon-192.png"), icon(192, false));
writeFileSync(join(out, "icon-512.png"), icon(512, false));
writeFileSync(join(out, "icon-maskable-512.png"), icon(512, true));
console.log("icons written to", out);
