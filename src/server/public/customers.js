// Customers and history page: search, a customer's page with the edit of the contact details
// (every technician), and for admins the edit of plans and purchases, the data export and the
// erasure. No inline script (board CSP).

(() => {
  const strings = JSON.parse(document.getElementById("strings").textContent);
  const t = (key) =>
    key.split(".").reduce((node, part) => (node ? node[part] : undefined), strings.desk.customers) ?? key;
  const $ = (id) => document.getElementById(id);
  const isAdmin = document.body.dataset.admin === "true";
  const lang = document.documentElement.lang === "it" ? "it-IT" : "en-GB";
  const money = (cents) =>
    cents === null
      ? ""
      : new Intl.NumberFormat(lang, { style: "currency", currency: "EUR" }).format(cents / 100);

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === "dataset") Object.assign(node.dataset, v);
      else if (k in node) node[k] = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  }

  // The board's CSRF token, sent on every request (the server checks it on changes).
  const csrfToken = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") || "";

  async function api(path, options = {}) {
    const response = await fetch(path, {
      ...options,
      credentials: "same-origin",
      headers: {
        "x-csrf-token": csrfToken,
        ...(options.body ? { "content-type": "application/json" } : {}),
      },
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.error?.message || response.statusText);
    }
    return response;
  }

  const status = (text) => {
    $("status").textContent = text;
  };

  function ticketItem(ticket) {
    const when = new Date(ticket.createdAt).toLocaleDateString(lang);
    return el(
      "li",
      { className: "ticket-row", dataset: { ticket: ticket.number } },
      el("strong", {}, ticket.number),
      ` · ${ticket.company} · ${ticket.status} · ${ticket.category ?? ""} · ${when}${ticket.grossCents !== null ? ` · ${money(ticket.grossCents)}` : ""}`,
      el("br"),
      el("small", {}, ticket.description),
    );
  }

  async function search(q) {
    const results = $("results");
    results.replaceChildren();
    const body = await (await api(`/staff/api/search?q=${encodeURIComponent(q)}`)).json();
    const customers = el("div", { className: "chart-box" }, el("h2", {}, t("customers")));
    const list = el("ul", { id: "customer-results" });
    for (const c of body.customers) {
      const button = el("button", { type: "button", className: "link-button" }, `${c.company} (${c.code})`);
      button.addEventListener("click", () => void open(c.code));
      list.append(el("li", {}, button, ` ${c.contactName ?? ""} ${c.phone ?? ""} ${c.email ?? ""}`));
    }
    if (body.customers.length === 0) list.append(el("li", {}, t("noResults")));
    customers.append(list);
    const tickets = el("div", { className: "chart-box" }, el("h2", {}, t("tickets")));
    const tlist = el("ul", { id: "ticket-results" });
    for (const ticket of body.tickets) tlist.append(ticketItem(ticket));
    if (body.tickets.length === 0) tlist.append(el("li", {}, t("noResults")));
    tickets.append(tlist);
    results.append(customers, tickets);
  }

  function purchaseRow(p, editable) {
    const row = el("tr", { className: "purchase" });
    if (editable) {
      row.append(
        el(
          "td",
          {},
          el("input", {
            className: "item",
            value: p.item,
            required: true,
            maxLength: 120,
            "aria-label": t("item"),
          }),
        ),
        el(
          "td",
          {},
          el("input", {
            className: "purchased-on",
            type: "date",
            value: p.purchasedOn,
            required: true,
            "aria-label": t("purchasedOn"),
          }),
        ),
        el(
          "td",
          {},
          el("input", {
            className: "months",
            type: "number",
            min: "1",
            value: String(p.warrantyMonths),
            required: true,
            "aria-label": t("warrantyMonths"),
          }),
        ),
        el("td", {}, p.warrantyUntil ?? ""),
      );
      const remove = el("button", { type: "button", className: "secondary" }, t("remove"));
      remove.addEventListener("click", () => row.remove());
      row.append(el("td", {}, remove));
    } else {
      row.append(
        el("td", {}, p.item),
        el("td", {}, p.purchasedOn),
        el("td", {}, String(p.warrantyMonths)),
        el("td", {}, p.warrantyUntil ?? ""),
      );
    }
    return row;
  }

  async function open(code) {
    const c = await (await api(`/staff/api/customers/${encodeURIComponent(code)}`)).json();
    const box = $("customer");
    box.hidden = false;
    box.dataset.customer = c.code;
    const editable = isAdmin && c.canEdit;
    // Contact details: every technician completes and corrects them, and marks them verified.
    const field = (key, value, type = "text") =>
      el(
        "label",
        { className: "contact-field" },
        `${t(key)} `,
        el("input", { id: `contact-${key}`, type, value: value ?? "", maxLength: 200 }),
      );
    const contact = el(
      "form",
      { id: "contact-form", className: "contact-form" },
      field("company", c.company),
      field("contact", c.contactName),
      field("phone", c.phone, "tel"),
      field("email", c.email, "email"),
      el(
        "label",
        { className: "contact-field" },
        el("input", { id: "contact-verified", type: "checkbox", checked: c.verified }),
        ` ${t("verified")}`,
      ),
      el("button", { type: "submit", id: "save-contact" }, t("saveContact")),
    );
    contact.addEventListener("submit", (event) => {
      event.preventDefault();
      void saveContact(c.code);
    });
    const facts = el(
      "dl",
      { className: "facts" },
      el("dt", {}, t("language")),
      el("dd", {}, c.language),
      el("dt", {}, t("salesRep")),
      el("dd", {}, c.salesRep ?? ""),
    );
    const plans = el("fieldset", { id: "plans" }, el("legend", {}, t("plans")));
    for (const key of c.availablePlans) {
      const id = `plan-${key}`;
      plans.append(
        el("input", {
          type: "checkbox",
          id,
          value: key,
          checked: c.plans.includes(key),
          disabled: !editable,
        }),
        el("label", { htmlFor: id }, ` ${key} `),
      );
    }
    const head = el(
      "tr",
      {},
      ...["item", "purchasedOn", "warrantyMonths", "warrantyUntil"].map((k) =>
        el("th", { scope: "col" }, t(k)),
      ),
    );
    const body = el("tbody", { id: "purchases" }, ...c.purchases.map((p) => purchaseRow(p, editable)));
    const purchases = el("table", {}, el("thead", {}, head), body);
    const history = el("ul", { id: "history" }, ...c.tickets.map(ticketItem));
    box.replaceChildren(
      el("h2", {}, `${c.company} `, el("small", {}, c.code)),
      ...(c.verified ? [] : [el("p", { id: "unverified", className: "warning" }, t("unverified"))]),
      contact,
      facts,
      plans,
      el("h3", {}, t("purchases")),
      purchases,
    );
    if (editable) {
      const add = el(
        "button",
        { type: "button", className: "secondary", id: "add-purchase" },
        t("addPurchase"),
      );
      add.addEventListener("click", () =>
        body.append(purchaseRow({ item: "", purchasedOn: "", warrantyMonths: 12, warrantyUntil: "" }, true)),
      );
      const save = el("button", { type: "button", id: "save" }, t("save"));
      save.addEventListener("click", () => void saveContract(c.code));
      const exportButton = el(
        "button",
        { type: "button", id: "export", className: "secondary" },
        t("exportData"),
      );
      exportButton.addEventListener("click", () => void exportData(c.code));
      const confirm = el("input", {
        id: "erase-confirm",
        "aria-label": t("eraseConfirm"),
        placeholder: t("eraseConfirm"),
      });
      const erase = el("button", { type: "button", id: "erase", className: "danger" }, t("erase"));
      erase.addEventListener("click", () => void eraseData(c.code, confirm.value));
      box.append(
        el("div", { className: "actions" }, add, save),
        el("div", { className: "actions" }, exportButton, confirm, erase),
      );
    }
    box.append(el("h3", {}, t("history")), history);
  }

  async function saveContract(code) {
    const plans = [...document.querySelectorAll("#plans input:checked")].map((i) => i.value);
    const purchases = [...document.querySelectorAll("#purchases tr")].map((row) => ({
      item: row.querySelector(".item").value.trim(),
      purchasedOn: row.querySelector(".purchased-on").value,
      warrantyMonths: Number(row.querySelector(".months").value),
    }));
    try {
      await api(`/staff/api/customers/${encodeURIComponent(code)}`, {
        method: "PUT",
        body: JSON.stringify({ plans, purchases }),
      });
      await open(code);
      status(t("saved"));
    } catch (error) {
      status(`${t("failed")} ${error.message}`);
    }
  }

  async function saveContact(code) {
    const value = (key) => $(`contact-${key}`).value.trim();
    try {
      await api(`/staff/api/customers/${encodeURIComponent(code)}/contact`, {
        method: "PUT",
        body: JSON.stringify({
          company: value("company"),
          contactName: value("contact"),
          phone: value("phone"),
          email: value("email"),
          verified: $("contact-verified").checked,
        }),
      });
      await open(code);
      status(t("contactSaved"));
    } catch (error) {
      status(`${t("failed")} ${error.message}`);
    }
  }

  async function exportData(code) {
    try {
      const response = await api(`/staff/api/customers/${encodeURIComponent(code)}/export`, {
        method: "POST",
        body: "{}",
      });
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", { href: url, download: `customer-${code}.tar.gz` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      status(`${t("failed")} ${error.message}`);
    }
  }

  async function eraseData(code, confirm) {
    try {
      await api(`/staff/api/customers/${encodeURIComponent(code)}/erase`, {
        method: "POST",
        body: JSON.stringify({ confirm }),
      });
      await open(code);
      status(t("erased"));
    } catch (error) {
      status(`${t("failed")} ${error.message}`);
    }
  }

  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void search($("q").value).catch((error) => status(`${t("failed")} ${error.message}`));
  });
  const initial = new URLSearchParams(window.location.search).get("customer");
  if (initial) void open(initial).catch((error) => status(`${t("failed")} ${error.message}`));
})();
