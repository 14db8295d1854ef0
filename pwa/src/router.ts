type View = (params: string[]) => Promise<HTMLElement> | HTMLElement;

const routes: [RegExp, View][] = [];
let outlet: HTMLElement;
let onRender: (path: string) => void = () => undefined;

export function route(pattern: RegExp, view: View): void {
  routes.push([pattern, view]);
}

export function startRouter(el: HTMLElement, after: (path: string) => void): void {
  outlet = el;
  onRender = after;
  window.addEventListener("popstate", () => void render());
  document.addEventListener("click", (e) => {
    const a = (e.target as Element).closest?.("a[href]") as HTMLAnchorElement | null;
    if (!a || a.target || a.origin !== location.origin || a.hasAttribute("download")) return;
    if (a.pathname.startsWith("/api/")) return;
    e.preventDefault();
    navigate(a.pathname + a.search);
  });
  void render();
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  void render();
}

let token = 0;
export async function render(): Promise<void> {
  const my = ++token;
  const path = location.pathname;
  for (const [re, view] of routes) {
    const m = re.exec(path);
    if (!m) continue;
    const el = await view(m.slice(1).map(decodeURIComponent));
    if (my !== token) return; // a newer navigation won
    outlet.replaceChildren(el);
    onRender(path);
    return;
  }
  navigate("/", true);
}
