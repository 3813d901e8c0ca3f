/**
 * The pages behind one-time links sent by e-mail, served by sportello: the customer's feedback
 * form (1–5 and a comment; Italian or English; one column, large targets, works on a phone and
 * without JavaScript) and the sales representative's Authorize / Decline page. Opening a link
 * (GET) only shows a page — mail scanners that follow links change nothing; the action is the
 * form's POST. Bad or used links get a page that says so (4xx, never 5xx).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Language, Params } from "../../flows/intents.js";
import type { LinkResult as LinkActionResult, LinkInfo as LinkInfoView } from "../runtime/mailLinks.js";
import { publicDir } from "./webStrings.js";

/** What the pages need from the runtime. */
export interface LinkActions {
  info(token: string): Promise<LinkInfoView | null>;
  decide(token: string, decision: "authorize" | "decline"): Promise<LinkActionResult>;
  rate(token: string, rating: number, comment: string | null): Promise<LinkActionResult>;
}

export interface LinkRoutesDeps {
  links: LinkActions;
  render: (key: string, params: Params | undefined, language: Language) => string;
  company: string;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The pages' stylesheet (their CSP allows styles from this origin only, no inline <style>). */
const STYLESHEET = readFileSync(join(publicDir, "links.css"), "utf8");

function page(reply: FastifyReply, status: number, language: Language, title: string, body: string) {
  return reply
    .code(status)
    .type("text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("referrer-policy", "no-referrer")
    .header("x-robots-tag", "noindex")
    .send(
      `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><link rel="stylesheet" href="/links.css"></head><body><main>${body}</main></body></html>`,
    );
}

export function registerLinkRoutes(app: FastifyInstance, deps: LinkRoutesDeps): void {
  const t = (key: string, language: Language, params?: Params) => deps.render(key, params, language);

  app.get("/links.css", async (_req, reply) =>
    reply.type("text/css; charset=utf-8").header("cache-control", "no-cache").send(STYLESHEET),
  );

  const notUsable = (reply: FastifyReply, info: LinkInfoView | null, fallback: Language, section: string) => {
    const language = info?.language ?? fallback;
    if (!info || info.state === "expired")
      return page(
        reply,
        404,
        language,
        deps.company,
        `<p class="msg">${esc(t(`pages.${section}.invalid`, language))}</p>`,
      );
    const key = section === "rep" ? "pages.rep.used" : "pages.feedback.used";
    return page(
      reply,
      409,
      language,
      deps.company,
      `<p class="msg">${esc(t(key, language, { outcome: info.outcome ?? info.state }))}</p>`,
    );
  };

  /** The link's page info when it is a usable link of this purpose; else answers the "not usable" page. */
  const openLink = async (reply: FastifyReply, token: string, purpose: LinkInfoView["purpose"]) => {
    const info = await deps.links.info(token);
    if (info?.purpose === purpose && info.state === "open") return info;
    notUsable(
      reply,
      info?.purpose === purpose ? info : null,
      "it",
      purpose === "authorize" ? "rep" : "feedback",
    );
    return null;
  };

  const feedbackForm = (info: LinkInfoView, token: string, error?: string) => {
    const l = info.language;
    const stars = [5, 4, 3, 2, 1]
      .map(
        (n) =>
          `<input type="radio" name="rating" id="r${n}" value="${n}" required><label for="r${n}" title="${esc(t("pages.feedback.stars", l, { n }))}" aria-label="${esc(t("pages.feedback.stars", l, { n }))}">★</label>`,
      )
      .join("");
    return `<p class="company">${esc(deps.company)}</p><h1>${esc(t("pages.feedback.title", l, { number: info.number }))}</h1>
<div class="card"><form method="post" action="/feedback/${esc(token)}">
${error ? `<p class="msg" role="alert">${esc(error)}</p>` : ""}
<fieldset><legend>${esc(t("pages.feedback.question", l))}</legend><div class="stars">${stars}</div></fieldset>
<label class="block" for="comment">${esc(t("pages.feedback.comment", l))}</label>
<textarea id="comment" name="comment" maxlength="2000"></textarea>
<button type="submit">${esc(t("pages.feedback.send", l))}</button></form></div>`;
  };

  app.get<{ Params: { token: string } }>("/feedback/:token", async (req, reply) => {
    const info = await openLink(reply, req.params.token, "feedback");
    if (!info) return reply;
    return page(
      reply,
      200,
      info.language,
      t("pages.feedback.title", info.language, { number: info.number }),
      feedbackForm(info, req.params.token),
    );
  });

  app.post<{ Params: { token: string }; Body: Record<string, unknown> }>(
    "/feedback/:token",
    async (req, reply) => {
      const info = await openLink(reply, req.params.token, "feedback");
      if (!info) return reply;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const rating = Number(body.rating);
      if (!Number.isInteger(rating) || rating < 1 || rating > 5)
        return page(
          reply,
          400,
          info.language,
          deps.company,
          feedbackForm(info, req.params.token, t("pages.feedback.pickRating", info.language)),
        );
      const comment = typeof body.comment === "string" ? body.comment : null;
      const result = await deps.links.rate(req.params.token, rating, comment);
      if (!result.ok) return notUsable(reply, { ...info, state: "used" }, info.language, "feedback");
      return page(
        reply,
        200,
        info.language,
        deps.company,
        `<h1>${esc(t("pages.feedback.thanks", info.language))}</h1>`,
      );
    },
  );

  const decisionOf = (value: unknown): "authorize" | "decline" | null =>
    value === "authorize" || value === "decline" ? value : null;

  app.get<{ Params: { token: string }; Querystring: { do?: string } }>("/rep/:token", async (req, reply) => {
    const info = await openLink(reply, req.params.token, "authorize");
    if (!info) return reply;
    const l = info.language;
    const decision = decisionOf(req.query.do) ?? "authorize";
    const button = (d: "authorize" | "decline") =>
      `<form method="post" action="/rep/${esc(req.params.token)}"><input type="hidden" name="do" value="${d}"><button type="submit"${d === "decline" ? ' class="decline"' : ""}>${esc(t(`pages.rep.${d}`, l))}</button></form>`;
    return page(
      reply,
      200,
      l,
      t("pages.rep.title", l, { number: info.number, customer: info.company }),
      `<p class="company">${esc(deps.company)}</p><h1>${esc(t("pages.rep.title", l, { number: info.number, customer: info.company }))}</h1>
<div class="card"><p class="summary">${esc(info.summary)}</p>
<p class="msg">${esc(t(decision === "authorize" ? "pages.rep.authorizeQuestion" : "pages.rep.declineQuestion", l))}</p>
${button(decision)}</div>`,
    );
  });

  app.post<{ Params: { token: string }; Body: Record<string, unknown> }>(
    "/rep/:token",
    async (req, reply) => {
      const info = await openLink(reply, req.params.token, "authorize");
      if (!info) return reply;
      const decision = decisionOf(((req.body ?? {}) as Record<string, unknown>).do);
      if (!decision)
        return reply
          .code(400)
          .send({ error: { code: "invalid-input", message: "do must be authorize or decline" } });
      const result = await deps.links.decide(req.params.token, decision);
      if (!result.ok)
        return notUsable(
          reply,
          { ...info, state: "used", outcome: result.outcome ?? null },
          info.language,
          "rep",
        );
      return page(
        reply,
        200,
        info.language,
        deps.company,
        `<h1>${esc(t(result.outcome === "authorized" ? "pages.rep.authorized" : "pages.rep.declined", info.language, { number: result.number }))}</h1>`,
      );
    },
  );
}
