/** HTTP to the Liuhen server: same-origin cookie session + CSRF header on writes, errors in plain Chinese. */
export class NetworkError extends Error {
  constructor() {
    super("网络不可用，已保存在本机，联网后自动同步");
  }
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public body: Record<string, unknown> | null,
  ) {
    super(chineseMessage(status, body));
  }
  get code(): string | undefined {
    return (this.body?.["code"] as string | undefined) ?? undefined;
  }
}

const CODE_MESSAGES: Record<string, string> = {
  invalid_credentials: "用户名或密码错误",
  onsite_needs_two_officers: "现场执法需要至少两名持证执法人员",
  stage_order: "阶段顺序不符合规定",
  case_closed: "案件已结案，不能再修改",
  forbidden: "没有权限进行此操作",
};

export function chineseMessage(status: number, body: Record<string, unknown> | null): string {
  const code = body?.["code"];
  if (typeof code === "string" && CODE_MESSAGES[code]) return CODE_MESSAGES[code]!;
  const detail = body?.["detail"];
  if (status === 401) return "登录已过期，请重新登录";
  if (status === 403) return "没有权限进行此操作";
  if (status === 404) return "未找到对应的数据";
  if (status === 413) return "文件太大，超过服务器允许的大小";
  if (status === 429) return "尝试次数过多，请稍后再试";
  if (status >= 500) return "服务器暂时出错，稍后自动重试";
  if (typeof detail === "string" && /[\u4e00-\u9fff]/.test(detail)) return detail;
  return `请求未被接受（${status}）`;
}

export interface Response_ {
  status: number;
  body: any;
}

export interface Transport {
  request(method: string, path: string, body?: unknown): Promise<Response_>;
}

let csrfToken: string | null = null;
export function setCsrf(token: string | null): void {
  csrfToken = token;
}
export function getCsrf(): string | null {
  return csrfToken;
}

/** fetch-based transport; never throws for HTTP status, only NetworkError when there is no network. */
export const httpTransport: Transport = {
  async request(method, path, body) {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch {
      throw new NetworkError();
    }
    const text = await res.text().catch(() => "");
    let parsed: any = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    return { status: res.status, body: parsed };
  },
};

export async function call<T>(t: Transport, method: string, path: string, body?: unknown): Promise<T> {
  const r = await t.request(method, path, body);
  if (r.status >= 400) throw new ApiError(r.status, r.body);
  return r.body as T;
}
