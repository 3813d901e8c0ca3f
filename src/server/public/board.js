// Staff board client: polls the JSON API every few seconds; forms are static so typing is never lost.
(() => {
  const strings = JSON.parse(document.getElementById("strings").textContent);
  const t = (key, params = {}) => {
    let s = key
      .split(".")
      .reduce((node, part) => (node && typeof node === "object" ? node[part] : undefined), strings);
    if (typeof s !== "string") s = key;
    return s.replace(/\{\{(\w+)\}\}/g, (_, name) => (params[name] !== undefined ? String(params[name]) : ""));
  };
  const $ = (id) => document.getElementById(id);
  const lang = document.documentElement.lang;
  const POLL_MS = 3000;
  const state = { filter: "open", priority: "", selected: null, ticket: null, categories: null };

  const money = (cents, currency) =>
    new Intl.NumberFormat(lang === "it" ? "it-IT" : "en-GB", {
      style: "currency",
      currency: currency || "EUR",
    }).format(cents / 100);
  // Times in the support team's zone (the policy's), not whatever zone this browser runs in.
  const timeZone = document.body.dataset.timeZone || "Europe/Rome";
  const csrfToken = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") || "";
  const when = (iso) =>
    new Date(iso).toLocaleString(lang === "it" ? "it-IT" : "en-GB", {
      dateStyle: "short",
      timeStyle: "short",
      timeZone,
    });

  async function api(path, options = {}) {
    const response = await fetch(path, {
      ...options,
      headers: {
        ...(options.body ? { "content-type": "application/json" } : {}),
        // The page's CSRF token (boardAuth.ts): state changes without it are refused.
        "x-csrf-token": csrfToken,
      },
      credentials: "same-origin",
    });
    if (response.status === 401) {
      window.location.href = "/staff/login";
      throw new Error("login");
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const code = body.error ? body.error.code : "generic";
      const key = `board.errors.${code}`;
      const text = t(key);
      throw new Error(text === key ? body.error?.message || t("board.errors.generic") : text);
    }
    return body;
  }

  function feedback(text, isError = false) {
    const box = $("feedback");
    box.textContent = text;
    box.classList.toggle("error", isError);
  }

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "class") node.className = value;
      else if (key.startsWith("data-") || key.startsWith("aria-")) node.setAttribute(key, value);
      else node[key] = value;
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  function renderList(tickets) {
    const list = $("tickets");
    const items = tickets.map((ticket) => {
      const button = el(
        "button",
        { type: "button", "aria-current": String(ticket.number === state.selected) },
        el("span", { class: "num" }, ticket.number),
        el("span", { class: `badge ${ticket.priority}` }, t(`board.priorities.${ticket.priority}`)),
        el("span", { class: "badge" }, t(`board.statuses.${ticket.status}`)),
        ...(ticket.unverifiedSender
          ? [
              el(
                "span",
                { class: "badge unverified", title: t("board.unverifiedSenderHint") },
                t("board.unverifiedSender"),
              ),
            ]
          : []),
        ...(ticket.unknownCaller
          ? [
              el(
                "span",
                { class: "badge unverified", title: t("board.unknownCallerHint") },
                t("board.unknownCaller"),
              ),
            ]
          : []),
        el("span", { class: "sub" }, `${ticket.customer.company} — ${ticket.summary || ticket.description}`),
      );
      button.addEventListener("click", () => select(ticket.number));
      return el("li", {}, button);
    });
    list.replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, t("board.noTickets"))]));
  }

  function attachmentLink(number, a) {
    const label = a.name || a.kind;
    if (!a.ref) return el("span", {}, label);
    const href = a.ref.startsWith("web-upload:")
      ? `/staff/files/${encodeURIComponent(a.ref.slice("web-upload:".length))}`
      : `/staff/api/tickets/${encodeURIComponent(number)}/attachment?ref=${encodeURIComponent(a.ref)}`;
    return el("a", { href, target: "_blank", rel: "noopener" }, label);
  }

  function renderDetail(ticket, transcript) {
    state.ticket = ticket;
    $("empty").hidden = true;
    $("ticket").hidden = false;
    $("ticket-title").textContent = `${ticket.number} — ${ticket.customer.company}`;
    const meta = [
      `${t("board.status")}: ${t(`board.statuses.${ticket.status}`)}`,
      `${t("board.priority")}: ${t(`board.priorities.${ticket.priority}`)}${ticket.blocking ? ` (${t("board.blocking")})` : ""}`,
      `${t("board.assignee")}: ${ticket.assignee ? ticket.assignee.name : t("board.nobody")}`,
    ];
    const contact = [ticket.customer.contactName, ticket.customer.phone, ticket.customer.email].filter(
      Boolean,
    );
    if (contact.length) meta.push(`${t("board.customer")}: ${contact.join(", ")}`);
    if (ticket.charge) meta.push(chargeText(ticket.charge));
    if (ticket.feedback) {
      const r = ticket.feedback.rating;
      const comment = ticket.feedback.comment ? ` — “${ticket.feedback.comment}”` : "";
      meta.push(`${t("board.feedback")}: ${"★".repeat(r)}${"☆".repeat(5 - r)} ${r}/5${comment}`);
    }
    $("ticket-meta").textContent = meta.join(" · ");
    const closed = ticket.status === "closed";
    const awaiting = ticket.status === "awaiting-authorization";
    $("claim").hidden = closed || awaiting || ticket.status === "claimed";
    $("reopen").hidden = !closed;
    $("authorize-form").hidden = !awaiting;
    // Urgent tickets are the ones that page the on-call technician.
    $("ack-page").hidden = closed || ticket.priority !== "urgent";
    $("message-form").hidden = closed;
    $("close-form").hidden = closed;
    // Prefill the category once per ticket, so a poll never undoes the technician's choice.
    if ($("category").dataset.ticket !== ticket.number) {
      $("category").dataset.ticket = ticket.number;
      $("category").value = ticket.category || "";
    }
    const lines = transcript || [{ direction: "in", text: ticket.description, at: ticket.createdAt }];
    $("transcript").replaceChildren(
      ...lines.map((line) =>
        el(
          "li",
          { class: line.direction },
          el("span", { class: "at" }, `${when(line.at)}${line.by ? ` · ${line.by}` : ""}`),
          line.text,
          ...(line.attachments || []).map((a) => el("span", {}, " ", attachmentLink(ticket.number, a))),
        ),
      ),
    );
    const files = ticket.attachments || [];
    $("attachments-box").hidden = files.length === 0;
    $("attachments").replaceChildren(...files.map((a) => el("li", {}, attachmentLink(ticket.number, a))));
  }

  function chargeText(charge) {
    let text;
    if (charge.package) {
      const pkg = (state.packages || []).find((p) => p.key === charge.package);
      const travel = (charge.lines || []).filter((l) => l.item !== "package");
      text = `${t("board.packageCharge", { package: pkg ? (lang === "it" ? pkg.label.it : pkg.label.en) : charge.package })}${
        travel.length
          ? ` + ${travel.map((l) => `${l.quantity} × ${t(`board.lines.${l.item}`)}`).join(", ")}`
          : ""
      } — ${money(charge.netCents, charge.currency)} + ${money(charge.vatCents, charge.currency)} = ${money(charge.grossCents, charge.currency)}`;
    } else {
      const cover = charge.covered ? t("board.covered", { plan: charge.plan || "" }) : t("board.billable");
      text = `${cover} — ${t("board.charge", {
        minutes: charge.billedMinutes,
        net: money(charge.netCents, charge.currency),
        vat: money(charge.vatCents, charge.currency),
        gross: money(charge.grossCents, charge.currency),
      })}`;
      // Parts and transport, shown before confirming as the hourly charge is.
      const extras = (charge.lines || []).filter((l) => l.item === "parts" || l.item === "transport");
      if (extras.length) {
        text += ` (${extras
          .map(
            (l) =>
              `${t(`board.lines.${l.item}`)}${l.description ? ` ${l.description}` : ""}: ${money(l.cents, charge.currency)}`,
          )
          .join(", ")})`;
      }
    }
    const notes = [];
    if (charge.total && charge.total.sessions > 1) {
      notes.push(
        t("board.ticketTotal", {
          sessions: charge.total.sessions,
          gross: money(charge.total.grossCents, charge.currency),
        }),
      );
    }
    if (charge.allowance && charge.allowance.per === "month") {
      notes.push(
        t("board.allowance", {
          plan: charge.allowance.plan,
          used: charge.allowance.usedMinutes,
          cap: charge.allowance.capMinutes,
          left: charge.allowance.leftMinutes,
        }),
      );
    }
    if (charge.exclusions?.length) {
      notes.push(
        t("board.excluded", { list: charge.exclusions.map((e) => (lang === "it" ? e.it : e.en)).join(" ") }),
      );
    }
    return notes.length ? `${text}. ${notes.join(". ")}` : text;
  }

  /** Mode, spare part and transport of the close form (euros typed, cents sent). */
  function extraFields() {
    const fields = {};
    if ($("mode").value) fields.mode = $("mode").value;
    const cents = (id) => ($(id).value === "" ? null : Math.round(Number($(id).value) * 100));
    const part = cents("part-euros");
    if (part !== null) {
      fields.partCents = part;
      fields.partDescription = $("part-description").value.trim();
    }
    const transport = cents("transport-euros");
    if (transport !== null) fields.transportCents = transport;
    return fields;
  }

  async function refreshList() {
    const query = new URLSearchParams({ filter: state.filter });
    if (state.priority) query.set("priority", state.priority);
    const { tickets } = await api(`/staff/api/tickets?${query}`);
    renderList(tickets);
  }

  async function refreshDetail() {
    if (!state.selected) return;
    const { ticket, transcript } = await api(`/staff/api/tickets/${encodeURIComponent(state.selected)}`);
    renderDetail(ticket, transcript);
    // Every page of the ticket with each attempt and its answer (the on-call page's API).
    const { pages } = await api(`/staff/api/tickets/${encodeURIComponent(ticket.number)}/pages`).catch(
      () => ({
        pages: [],
      }),
    );
    $("pages-box").hidden = pages.length === 0;
    $("ticket-pages").replaceChildren(
      ...pages.flatMap((p) => [
        ...p.attempts.map((a) =>
          el(
            "li",
            {},
            `${when(a.at)} · ${a.technician || "—"} · ${a.kind} · ${a.outcome}${a.error ? `: ${a.error}` : ""}`,
          ),
        ),
        ...(p.ackedBy ? [el("li", {}, `${when(p.ackedAt)} · ✔ ${p.ackedBy} (${p.ackedVia})`)] : []),
      ]),
    );
  }

  async function refreshQr() {
    const { qrSvg } = await api("/staff/api/whatsapp");
    $("whatsapp").hidden = !qrSvg;
    // The SVG comes from our own server's QR renderer, never from user input.
    if (qrSvg) $("qr").innerHTML = qrSvg;
  }

  async function loadPackages() {
    const { packages } = await api("/staff/api/packages");
    state.packages = packages;
    $("billing-box").hidden = packages.length === 0;
    const label = (p) => (lang === "it" ? p.label.it : p.label.en);
    $("billing").replaceChildren(
      el("option", { value: "" }, t("board.hourly")),
      ...packages.map((p) => el("option", { value: p.key }, label(p))),
    );
  }

  /** The close form's billing fields: a package with its travel, or nothing (hourly time). */
  function billingFields() {
    const key = $("billing").value;
    if (!key) return {};
    const pkg = (state.packages || []).find((p) => p.key === key);
    const fields = { package: key };
    if (pkg?.travel) {
      for (const [id, name] of [
        ["km", "km"],
        ["days-overnight", "daysOvernight"],
        ["days", "days"],
      ]) {
        if ($(id).value !== "") fields[name] = Number($(id).value);
      }
    }
    return fields;
  }

  async function loadCategories() {
    const { categories } = await api("/staff/api/categories");
    state.categories = categories;
    $("category-box").hidden = !categories;
    if (!categories) return;
    const label = (c) => (lang === "it" ? c.label.it : c.label.en);
    $("category").replaceChildren(
      el("option", { value: "" }, "—"),
      ...categories.map((c) => el("option", { value: c.key }, label(c))),
    );
  }

  async function refresh() {
    try {
      await Promise.all([refreshList(), refreshDetail(), refreshQr()]);
    } catch (error) {
      if (error.message !== "login") feedback(error.message, true);
    }
  }

  async function select(number) {
    state.selected = number;
    $("charge").textContent = "";
    $("confirm-close").disabled = true;
    feedback("");
    await refresh();
    $("ticket-title").focus?.();
  }

  async function act(body) {
    try {
      await api(`/staff/api/tickets/${encodeURIComponent(state.selected)}/actions`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      feedback(t("board.done"));
      await refresh();
      return true;
    } catch (error) {
      feedback(error.message, true);
      return false;
    }
  }

  for (const button of document.querySelectorAll(".filters button")) {
    button.addEventListener("click", () => {
      state.filter = button.dataset.filter;
      for (const other of document.querySelectorAll(".filters button")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      void refresh();
    });
  }
  $("priority").addEventListener("change", (event) => {
    state.priority = event.target.value;
    void refresh();
  });
  $("claim").addEventListener("click", () => act({ type: "claim" }));
  $("reopen").addEventListener("click", () => act({ type: "reopen" }));
  $("ack-page").addEventListener("click", () => act({ type: "ack-page" }));
  $("authorize-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const salesRep = $("sales-rep").value.trim();
    if (!salesRep) {
      feedback(t("board.errors.invalid-input"), true);
      return;
    }
    if (await act({ type: "authorize", salesRep })) $("sales-rep").value = "";
  });

  $("message-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const type = event.submitter ? event.submitter.dataset.action : "reply";
    const text = $("message").value.trim();
    if (!text) return;
    if (await act({ type, text })) $("message").value = "";
  });

  const minutes = () => Number($("minutes").value);
  for (const id of [
    "minutes",
    "billing",
    "km",
    "days-overnight",
    "days",
    "mode",
    "part-description",
    "part-euros",
    "transport-euros",
  ]) {
    $(id).addEventListener("input", () => {
      $("confirm-close").disabled = true;
      $("charge").textContent = "";
      const pkg = (state.packages || []).find((p) => p.key === $("billing").value);
      $("travel-box").hidden = !pkg?.travel;
    });
  }
  $("preview").addEventListener("click", async () => {
    if ($("minutes").value === "" || !Number.isInteger(minutes()) || minutes() < 0) {
      feedback(t("board.errors.invalid-input"), true);
      return;
    }
    try {
      const { charge } = await api(
        `/staff/api/tickets/${encodeURIComponent(state.selected)}/charge?${new URLSearchParams({
          minutes: String(minutes()),
          ...(state.categories && $("category").value ? { category: $("category").value } : {}),
          ...Object.fromEntries(
            Object.entries({ ...billingFields(), ...extraFields() })
              .filter(([k]) => k !== "mode")
              .map(([k, v]) => [k, String(v)]),
          ),
        })}`,
      );
      $("charge").textContent = charge ? chargeText(charge) : "—";
      $("confirm-close").disabled = false;
    } catch (error) {
      feedback(error.message, true);
    }
  });
  $("close-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const resolution = $("resolution").value.trim();
    if (!resolution) {
      feedback(t("board.errors.invalid-input"), true);
      return;
    }
    const category = state.categories ? $("category").value : "";
    const body = {
      type: "close",
      minutes: minutes(),
      resolution,
      ...(category ? { category } : {}),
      ...billingFields(),
      ...extraFields(),
    };
    if (await act(body)) {
      $("minutes").value = "";
      $("billing").value = "";
      for (const id of [
        "km",
        "days-overnight",
        "days",
        "mode",
        "part-description",
        "part-euros",
        "transport-euros",
      ])
        $(id).value = "";
      $("travel-box").hidden = true;
      $("resolution").value = "";
      $("charge").textContent = "";
      $("confirm-close").disabled = true;
    }
  });

  // Categories come before the first render, so the close form is prefilled with the ticket's.
  void Promise.all([loadCategories(), loadPackages()])
    .catch((error) => feedback(error.message, true))
    .then(refresh);
  setInterval(() => {
    if (!document.hidden) void refresh();
  }, POLL_MS);
})();
