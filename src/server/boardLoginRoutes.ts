/**
 * Signing in to the staff board: the login page (password; in localhost mode also "continue as"
 * a technician without a password, or add the very first technician), the one-time invite /
 * reset link where a technician chooses their password, and logout. Every form carries a CSRF
 * token and is throttled per client and per account (@fastify/rate-limit).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { DEVICE_COOKIE, DEVICE_COOKIE_DAYS } from "../desk/board/deviceCookies.js";
import { type StaffAuth, StaffAuthError } from "../desk/board/staffAuth.js";
import { elideArticles } from "../i18n/elision.js";
import {
  boardClosedTo,
  checkCsrf,
  csrfTokenFor,
  isLocalRequest,
  refuseClosedBoard,
  sessionOf,
  setSessionCookie,
} from "./boardAuth.js";
import type { SignInThrottle } from "./signInThrottle.js";
import { sharedLimitKey } from "./webHardening.js";
import { escapeHtml, lookup, pickLanguage, renderPage, type WebLanguage, webStrings } from "./webStrings.js";

/** Attempts per client (IP, or the proxy's X-Forwarded-For client with TRUST_PROXY) per window. */
const PER_CLIENT = { max: 20, timeWindow: 15 * 60 * 1000 };

type Form = Record<string, unknown>;
const field = (body: unknown, name: string, max: number): string => {
  const value = (body as Form | undefined)?.[name];
  return typeof value === "string" ? value.slice(0, max) : "";
};

function say(language: WebLanguage, key: string, vars: Record<string, string> = {}): string {
  let text = lookup(webStrings(language), key);
  if (language === "it") text = elideArticles(text, vars);
  for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{{${name}}}`, value);
  return escapeHtml(text);
}

function errorLine(
  language: WebLanguage,
  code: string | undefined,
  vars: Record<string, string> = {},
): string {
  return code ? `<p class="error" role="alert">${say(language, `board.errors.${code}`, vars)}</p>` : "";
}

/** A wait in words: "45 seconds", "3 minutes". */
function waitWords(language: WebLanguage, seconds: number): string {
  const [key, n] = seconds < 90 ? ["seconds", seconds] : ["minutes", Math.ceil(seconds / 60)];
  return lookup(webStrings(language), `board.wait.${key}`).replace("{{n}}", String(n));
}

const closed = refuseClosedBoard;

/** Registers `/staff/login`, `/staff/login/local`, `/staff/setup`, `/staff/invite`, `/staff/logout`. */
export function registerBoardLoginRoutes(
  app: FastifyInstance,
  deps: { staffAuth: StaffAuth; timeZone: string; throttle: SignInThrottle },
) {
  const { staffAuth, throttle } = deps;
  const perClient = {
    rateLimit: { ...PER_CLIENT, keyGenerator: (req: FastifyRequest) => sharedLimitKey(`login:${req.ip}`) },
  };
  // The same count for the password form, checked in its handler so a refusal is a page.
  const clientLimit = app.createRateLimit(perClient.rateLimit);
  async function loginPage(
    req: FastifyRequest,
    reply: FastifyReply,
    error?: string,
    vars: Record<string, string> = {},
  ) {
    const language = pickLanguage(req.headers["accept-language"]);
    const csrf = csrfTokenFor(reply);
    let local = "";
    if (req.server.boardAuth.mode === "localhost" && isLocalRequest(req)) {
      const candidates = await staffAuth.localCandidates();
      const everyone = candidates.length === 0 ? (await staffAuth.list()).length : 1;
      if (everyone === 0) {
        local = `<section class="local"><p>${say(language, "board.firstAdmin")}</p>
<form method="post" action="/staff/setup" class="login-form"><input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">
<label for="first-name">${say(language, "board.name")}</label><input id="first-name" name="name" required maxlength="60">
<button type="submit">${say(language, "board.firstAdminButton")}</button></form></section>`;
      } else if (candidates.length > 0) {
        local = `<section class="local"><p>${say(language, "board.localOnly")}</p>${candidates
          .map(
            (c) =>
              `<form method="post" action="/staff/login/local" class="local-form"><input type="hidden" name="_csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="technician" value="${escapeHtml(c.id)}"><button type="submit">${say(language, "board.continueAs", { name: c.name })}</button></form>`,
          )
          .join("")}</section>`;
      }
    }
    reply.type("text/html; charset=utf-8").header("cache-control", "no-store");
    return renderPage("login.html.tmpl", language, {
      error: errorLine(language, error, vars),
      csrf: escapeHtml(csrf),
      local,
    });
  }

  async function invitePage(req: FastifyRequest, reply: FastifyReply, token: string, error?: string) {
    const language = pickLanguage(req.headers["accept-language"]);
    reply.type("text/html; charset=utf-8").header("cache-control", "no-store");
    let form = "";
    try {
      const info = await staffAuth.inspectInvite(token);
      const when = info.expiresAt.toLocaleString(language === "it" ? "it-IT" : "en-GB", {
        dateStyle: "medium",
        timeStyle: "short",
        timeZone: deps.timeZone,
      });
      const csrf = escapeHtml(csrfTokenFor(reply));
      form = `<p>${say(language, info.purpose === "reset" ? "board.invite.resetIntro" : "board.invite.intro", { name: info.account.name })}</p>
<form method="post" action="/staff/invite" class="login-form">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="token" value="${escapeHtml(token)}">
<input type="hidden" name="name" value="${escapeHtml(info.account.name)}" autocomplete="username">
<label for="password">${say(language, "board.invite.newPassword")}</label><input id="password" name="password" type="password" autocomplete="new-password" required minlength="10" maxlength="256">
<label for="confirm">${say(language, "board.invite.confirm")}</label><input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="10" maxlength="256">
<p class="hint">${say(language, "board.invite.rules")}</p>
<button type="submit">${say(language, "board.invite.save")}</button></form>
<p class="hint">${say(language, "board.invite.expires", { when })}</p>`;
    } catch (e) {
      if (!(e instanceof StaffAuthError)) throw e;
      reply.code(e.code === "invite-invalid" ? 404 : 410);
      error = e.code;
    }
    return renderPage("invite.html.tmpl", language, { error: errorLine(language, error), form });
  }

  const csrfGuard = async (req: FastifyRequest, reply: FastifyReply) => {
    if (boardClosedTo(req)) return closed(reply);
    return checkCsrf(req, reply);
  };

  app.get("/staff/login", async (req, reply) => {
    if (boardClosedTo(req)) return closed(reply);
    if (await sessionOf(req)) return reply.redirect("/staff", 303);
    return loginPage(req, reply);
  });

  /** 429 with the login page saying how long to wait, in the browser's language. */
  function throttled(req: FastifyRequest, reply: FastifyReply, seconds: number) {
    const language = pickLanguage(req.headers["accept-language"]);
    reply.code(429).header("retry-after", String(seconds));
    return loginPage(req, reply, "throttled", { wait: waitWords(language, seconds) });
  }

  app.post("/staff/login", { preHandler: csrfGuard }, async (req, reply) => {
    const name = field(req.body, "name", 60);
    const knownDevice = await staffAuth.devices.knows(req.cookies[DEVICE_COOKIE], name);
    // A browser that signed in before is not held back by what others do from its address.
    if (!knownDevice) {
      const perAddress = await clientLimit(req);
      if (!perAddress.isAllowed && perAddress.isExceeded)
        return throttled(req, reply, Math.max(1, perAddress.ttlInSeconds));
    }
    const wait = await throttle.wait(name, req.ip, knownDevice);
    if (wait > 0) return throttled(req, reply, wait);
    const issued = await staffAuth.login(name, field(req.body, "password", 1024));
    if (!issued) {
      await throttle.failed(name, req.ip, knownDevice);
      reply.code(401);
      return loginPage(req, reply, "bad-login");
    }
    setSessionCookie(reply, issued);
    await rememberDevice(reply, issued.session.technician.id);
    return reply.redirect("/staff", 303);
  });

  async function rememberDevice(reply: FastifyReply, technicianId: string) {
    const device = await staffAuth.devices.issue(technicianId);
    if (!device) return;
    reply.setCookie(DEVICE_COOKIE, device, {
      path: "/staff",
      httpOnly: true,
      sameSite: "lax",
      secure: "auto",
      maxAge: DEVICE_COOKIE_DAYS * 24 * 3600,
    });
  }

  app.post("/staff/login/local", { config: perClient, preHandler: csrfGuard }, async (req, reply) => {
    if (req.server.boardAuth.mode !== "localhost" || !isLocalRequest(req)) return closed(reply);
    const issued = await staffAuth.localLogin(field(req.body, "technician", 100));
    if (!issued) {
      reply.code(403);
      return loginPage(req, reply, "not-local");
    }
    setSessionCookie(reply, issued);
    return reply.redirect("/staff", 303);
  });

  app.post("/staff/setup", { config: perClient, preHandler: csrfGuard }, async (req, reply) => {
    if (req.server.boardAuth.mode !== "localhost" || !isLocalRequest(req)) return closed(reply);
    try {
      const admin = await staffAuth.createFirstAdmin(field(req.body, "name", 100));
      const issued = await staffAuth.localLogin(admin.id);
      if (issued) setSessionCookie(reply, issued);
      return reply.redirect("/staff", 303);
    } catch (e) {
      if (!(e instanceof StaffAuthError)) throw e;
      reply.code(e.code === "invalid-name" ? 400 : 409);
      return loginPage(req, reply, e.code);
    }
  });

  app.get("/staff/invite", { config: perClient }, async (req, reply) => {
    if (boardClosedTo(req)) return closed(reply);
    const token = (req.query as Record<string, unknown>).token;
    return invitePage(req, reply, typeof token === "string" ? token.slice(0, 200) : "");
  });

  app.post("/staff/invite", { config: perClient, preHandler: csrfGuard }, async (req, reply) => {
    const token = field(req.body, "token", 200);
    const password = field(req.body, "password", 1024);
    if (password !== field(req.body, "confirm", 1024)) {
      reply.code(400);
      return invitePage(req, reply, token, "password-mismatch");
    }
    try {
      const issued = await staffAuth.acceptInvite(token, password);
      setSessionCookie(reply, issued);
      await rememberDevice(reply, issued.session.technician.id);
      return reply.redirect("/staff", 303);
    } catch (e) {
      if (!(e instanceof StaffAuthError)) throw e;
      if (e.code === "weak-password" || e.code === "common-password") {
        reply.code(400);
        return invitePage(req, reply, token, e.code);
      }
      return invitePage(req, reply, token);
    }
  });

  app.post("/staff/logout", { preHandler: csrfGuard }, async (req, reply) => {
    await staffAuth.logout(req.cookies.sportello_staff);
    setSessionCookie(reply, null);
    return reply.redirect("/staff/login", 303);
  });
}
