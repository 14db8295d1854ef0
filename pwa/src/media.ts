import * as tus from "tus-js-client";
import { getCsrf, NetworkError } from "./api";
import { AuthExpired } from "./sync";
import type { BlobRec } from "./types";

/** Resumable upload of one blob over tus 1.0; resumes a previous partial upload of the same bytes. */
export function tusUpload(b: BlobRec): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    const csrf = getCsrf();
    if (csrf) headers["X-CSRF-Token"] = csrf;
    const up = new tus.Upload(b.blob, {
      endpoint: "/api/uploads/",
      retryDelays: [0, 1000, 3000],
      chunkSize: 4 * 1024 * 1024,
      headers,
      metadata: { sha256: b.sha256, filename: b.filename, content_type: b.content_type.split(";")[0]!.trim().toLowerCase() || "application/octet-stream", case_id: b.case_id },
      fingerprint: async () => `liuhen-${b.sha256}`,
      removeFingerprintOnSuccess: true,
      storeFingerprintForResuming: true,
      onError(err) {
        const status = (err as tus.DetailedError).originalResponse?.getStatus?.() ?? 0;
        if (status === 401) reject(new AuthExpired());
        else if (!navigator.onLine || status === 0) reject(new NetworkError());
        else if (status === 413) reject(new Error("文件太大，超过服务器允许的大小"));
        else if (status === 460) reject(new Error("文件校验未通过（哈希不一致），请重新拍摄或联系管理员"));
        else if (status === 400 || status === 403 || status === 404 || status === 409 || status === 422)
          reject(new Error(`媒体上传被拒绝：${problemDetail(err) ?? `服务器返回 ${status}`}；本机原件已保留`));
        else reject(new Error(`媒体上传失败（${status}），稍后自动重试`));
      },
      onSuccess() {
        resolve();
      },
    });
    up.findPreviousUploads()
      .then((prev) => {
        if (prev.length) up.resumeFromPreviousUpload(prev[0]!);
        up.start();
      })
      .catch(() => up.start());
  });
}

/** The server's plain-language reason (RFC 9457 ``detail``) from a failed tus request, if it sent one. */
function problemDetail(err: Error): string | null {
  try {
    const body = (err as tus.DetailedError).originalResponse?.getBody?.();
    const detail = body ? (JSON.parse(body) as { detail?: unknown }).detail : null;
    return typeof detail === "string" && detail ? detail : null;
  } catch {
    return null;
  }
}
