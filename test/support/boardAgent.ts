/**
 * A browser-like client of the staff board over Fastify's inject: keeps cookies, reads the CSRF
 * token from the pages, and signs in the way the login form does.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import type { Database } from "../../src/data/database.js";
import { createStaffAccessStore } from "../../src/data/staffAccessStore.js";
import { hashPassword } from "../../src/desk/board/passwords.js";

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

/**
 * Gives a technician a board password (creating them if needed, with a role) on the real store,
 * as `sportello staff invite` + the invite page would.
 */
export async function technicianWithPassword(
  db: Database,
  name: string,
  password: string,
  role: "technician" | "admin" = "technician",
): Promise<{ id: string }> {
  const store = createStaffAccessStore(db);
  const account = (await store.findByName(name)) ?? (await store.create(name, role));
  await store.setRole(account.id, role);
  await store.setPassword(account.id, await hashPassword(password));
  return { id: account.id };
}

/** Signs in through the login form; returns the signed-in agent. */
async function signedInAgent(app: FastifyInstance, name: string, password: string, remoteAddress: string) {
  const agent = boardAgent(app, { remoteAddress });
  const res = await agent.login(name, password);
  if (res.statusCode !== 303)
    throw new Error(`sign-in of ${name} failed: ${res.statusCode} ${res.body.slice(0, 200)}`);
  return agent;
}

const cookieHeaderOf = (agent: BoardAgent) => [...agent.cookies].map(([k, v]) => `${k}=${v}`).join("; ");

/**
 * Signs in through the login form; returns the Cookie header value of the session and the CSRF
 * token of the board page, as the board's scripts send it (`x-csrf-token`).
 */
export async function signedInSession(
  app: FastifyInstance,
  name: string,
  password: string,
  remoteAddress = "127.0.0.1",
): Promise<{ cookie: string; csrf: string }> {
  const agent = await signedInAgent(app, name, password, remoteAddress);
  const csrf = await agent.csrf("/staff");
  return { cookie: cookieHeaderOf(agent), csrf };
}

/** Signs in through the login form and returns the Cookie header value of the session. */
export async function signedInCookie(
  app: FastifyInstance,
  name: string,
  password: string,
  remoteAddress = "127.0.0.1",
): Promise<string> {
  return cookieHeaderOf(await signedInAgent(app, name, password, remoteAddress));
}
