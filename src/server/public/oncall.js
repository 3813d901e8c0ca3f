// On-call page of the staff board: who is on call now and next, recent pages (acknowledge),
// the weekly rota and one-off shifts (admins edit), each technician's ways. No inline script.

(() => {
  const strings = JSON.parse(document.getElementById("strings").textContent);
  const t = (key) =>
    key.split(".").reduce((node, part) => (node ? node[part] : undefined), strings.desk.oncall) ?? key;
  const lang = document.body.dataset.lang === "it" ? "it-IT" : "en-GB";
  const admin = document.body.dataset.role === "admin";
  const me = document.body.dataset.me;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  let state = null;

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const c of children) node.append(c);
    return node;
  };
  const when = (iso) => new Date(iso).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
  const say = (text) => {
    $("status").textContent = text;
  };

  async function api(path, method = "GET", body) {
    const response = await fetch(path, {
      method,
      headers: { ...(body ? { "content-type": "application/json" } : {}), "x-csrf-token": csrf },
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json.error ? json.error.message : String(response.status));
    return json;
  }

  function options(select, names, empty) {
    select.replaceChildren(
      ...(empty ? [el("option", { value: "" }, "—")] : []),
      ...names.map((n) => el("option", { value: n }, n)),
    );
  }

  function slotRow(slot) {
    const names = state.ways.map((w) => w.technician);
    const tech = el("select", { "aria-label": t("technician") });
    options(tech, names);
    tech.value = slot.technician;
    const day = el("select", { "aria-label": t("weekday") });
    for (const [i, d] of t("days").entries()) day.append(el("option", { value: String(i + 1) }, d));
    day.value = String(slot.weekday);
    const start = el("input", { type: "time", value: slot.start, "aria-label": t("start") });
    const end = el("input", { type: "text", value: slot.end, size: "5", "aria-label": t("end") });
    const position = el("input", {
      type: "number",
      min: "0",
      value: String(slot.position),
      "aria-label": t("position"),
    });
    const remove = el("button", { type: "button" }, t("remove"));
    const row = el(
      "tr",
      {},
      el("td", {}, tech),
      el("td", {}, day),
      el("td", {}, start),
      el("td", {}, end),
      el("td", {}, position),
      el("td", {}, remove),
    );
    remove.addEventListener("click", () => row.remove());
    for (const input of [tech, day, start, end, position, remove]) input.disabled = !admin;
    row.read = () => ({
      technician: tech.value,
      weekday: Number(day.value),
      start: start.value,
      end: end.value,
      position: Number(position.value) || 0,
    });
    return row;
  }

  function render() {
    $("now").textContent = state.onCall.length ? state.onCall.join(", ") : t("nobody");
    $("next").textContent = state.next
      ? `${state.next.technician} — ${t("from")} ${when(state.next.from)}`
      : "–";
    $("pages").replaceChildren(
      ...state.pages.map((p) => {
        const head = `${p.ticket ?? p.text} — ${t(`status.${p.status}`)}${p.ackedBy ? ` (${p.ackedBy}, ${p.ackedVia})` : ""} · ${when(p.createdAt)}`;
        const attempts = el(
          "ol",
          {},
          ...p.attempts.map((a) =>
            el(
              "li",
              {},
              `${when(a.at)} · ${a.technician || "—"} · ${a.kind} · ${a.outcome}${a.error ? `: ${a.error}` : ""}`,
            ),
          ),
        );
        const item = el("li", {}, head, attempts);
        if (p.status === "open") {
          const ack = el("button", { type: "button" }, t("ack"));
          ack.addEventListener("click", () =>
            api(`/staff/api/pages/${encodeURIComponent(p.id)}/ack`, "POST", {}).then(load, (e) =>
              say(e.message),
            ),
          );
          item.append(ack);
        }
        return item;
      }),
    );
    $("weekly").replaceChildren(...state.weekly.map(slotRow));
    $("shifts").replaceChildren(
      ...state.shifts.map((s) => {
        const item = el(
          "li",
          {},
          `${s.technician}${s.replaces ? ` ⇄ ${s.replaces}` : ""}: ${when(s.from)} – ${when(s.to)} `,
        );
        if (admin) {
          const remove = el("button", { type: "button" }, t("remove"));
          remove.addEventListener("click", () =>
            api(`/staff/api/oncall/shifts/${encodeURIComponent(s.id)}`, "DELETE").then(load, (e) =>
              say(e.message),
            ),
          );
          item.append(remove);
        }
        return item;
      }),
    );
    const names = state.ways.map((w) => w.technician);
    options($("shift-tech"), names);
    options($("shift-replaces"), names, true);
    $("ways").replaceChildren(
      ...state.ways.map((w) => {
        const text = w.ways.map((x) => (x.address ? `${x.kind}:${x.address}` : x.kind)).join(", ");
        const input = el("input", { type: "text", value: text, size: "60", "aria-label": w.technician });
        const save = el("button", { type: "button" }, t("save"));
        const editable = admin || w.technician === me;
        input.disabled = !editable;
        save.disabled = !editable;
        save.addEventListener("click", () => {
          const ways = input.value
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean)
            .map((s) => {
              const at = s.indexOf(":");
              return at < 0 ? { kind: s } : { kind: s.slice(0, at), address: s.slice(at + 1) };
            });
          api(`/staff/api/oncall/ways/${encodeURIComponent(w.technician)}`, "PUT", { ways }).then(
            () => {
              say(t("saved"));
              return load();
            },
            (e) => say(e.message),
          );
        });
        const code = w.ways.find((x) => x.linkCode);
        return el(
          "tr",
          {},
          el("th", { scope: "row" }, w.technician),
          el(
            "td",
            {},
            input,
            " ",
            save,
            code ? el("div", { class: "muted" }, `${t("linkCode")} /start ${code.linkCode}`) : "",
          ),
        );
      }),
    );
    for (const node of document.querySelectorAll(".admin-only")) node.hidden = !admin;
  }

  async function load() {
    state = await api("/staff/api/oncall");
    render();
  }

  $("add-slot").addEventListener("click", () => {
    $("weekly").append(
      slotRow({
        technician: state.ways[0]?.technician ?? "",
        weekday: 6,
        start: "09:00",
        end: "18:30",
        position: 0,
      }),
    );
  });
  $("save-weekly").addEventListener("click", () => {
    const slots = [...$("weekly").children].map((row) => row.read());
    api("/staff/api/oncall/weekly", "PUT", { slots }).then(
      () => {
        say(t("saved"));
        return load();
      },
      (e) => say(e.message),
    );
  });
  $("shift-form").addEventListener("submit", (event) => {
    event.preventDefault();
    api("/staff/api/oncall/shifts", "POST", {
      technician: $("shift-tech").value,
      replaces: $("shift-replaces").value,
      from: $("shift-from").value,
      to: $("shift-to").value,
    }).then(load, (e) => say(e.message));
  });

  load().catch((e) => say(e.message));
  setInterval(() => load().catch(() => undefined), 15000);
})();
