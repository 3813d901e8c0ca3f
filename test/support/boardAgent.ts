/**
 * A browser-like client of the staff board over Fastify's inject: keeps cookies, reads the CSRF
 * token from the pages, and signs in the way the login form does.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";

export interface BoardAgent {
  cookies: Map<string, string>;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** The CSRF token of a page (hidden `_csrf` field or the board's meta tag). */
  csrf(url?: string): Promise<string>;
  /** POSTs a form the way a browser does, with the page's CSRF token unless `csrf: false`. */
  form(
    url: string,
    fields: Record<string, string>,
    options?: { csrf?: boolean | string; from?: string },
  ): Promise<LightMyRequestResponse>;
  /** Password sign-in; returns the response (303 on success). */
  login(name: string, password: string): Promise<LightMyRequestResponse>;
}

export function boardAgent(app: FastifyInstance, base: Partial<InjectOptions> = {}): BoardAgent {
  const cookies = new Map<string, string>();
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");

  async function request(options: InjectOptions): Promise<LightMyRequestResponse> {
    const headers = { ...(base.headers ?? {}), ...(options.headers ?? {}) } as Record<string, string>;
    if (cookies.size && headers.cookie === undefined) headers.cookie = cookieHeader();
    const res = await app.inject({ ...base, ...options, headers } as InjectOptions);
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const gone = c.value === "" || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now());
      if (gone) cookies.delete(c.name);
      else cookies.set(c.name, c.value);
    }
    return res;
  }

  async function csrf(url = "/staff/login"): Promise<string> {
    const page = await request({ url });
    const match =
      /name="_csrf" value="([^"]+)"/.exec(page.body) ??
      /<meta name="csrf-token" content="([^"]+)"/.exec(page.body);
    if (!match) throw new Error(`no CSRF token on ${url} (${page.statusCode}): ${page.body.slice(0, 200)}`);
    return match[1]!;
  }

  async function form(
    url: string,
    fields: Record<string, string>,
    options: { csrf?: boolean | string; from?: string } = {},
  ) {
    const token =
      typeof options.csrf === "string"
        ? options.csrf
        : options.csrf === false
          ? null
          : await csrf(options.from);
    const body = new URLSearchParams({ ...fields, ...(token ? { _csrf: token } : {}) }).toString();
    return request({
      method: "POST",
      url,
      payload: body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
  }

  return {
    cookies,
    request,
    csrf,
    form,
    login: (name, password) => form("/staff/login", { name, password }),
  };
}
