// Reports page of the staff board: loads /staff/api/reports for the chosen days and draws the
// charts with chart.js (served locally as /staff/vendor/chart.umd.min.js). No inline script.

(() => {
  const strings = JSON.parse(document.getElementById("strings").textContent);
  const t = (key) =>
    key.split(".").reduce((node, part) => (node ? node[part] : undefined), strings.desk) ?? key;
  const lang = document.body.dataset.lang === "it" ? "it-IT" : "en-GB";
  const labels = JSON.parse(document.getElementById("labels").textContent);
  const statuses = strings.board?.statuses ?? {};
  // Keys of the preset shown as the viewer reads them: categories, plans, statuses.
  const label = (key) =>
    labels.categories[key] ??
    labels.plans[key] ??
    statuses[key] ??
    (key === "none" ? t("reports.none") : key);
  const monthName = (month) =>
    new Intl.DateTimeFormat(lang, { month: "long", year: "numeric", timeZone: "UTC" }).format(
      new Date(`${month}-01T00:00:00Z`),
    );
  const $ = (id) => document.getElementById(id);
  const form = $("range");
  const status = $("status");
  const charts = {};
  let breakdown = "byChannel";
  let report = null;

  const number = (n) =>
    n === null || n === undefined ? "–" : new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(n);
  const money = (cents, currency = "EUR") =>
    new Intl.NumberFormat(lang, { style: "currency", currency }).format(cents / 100);
  const palette = [
    "#0b6bcb",
    "#1e7b34",
    "#b3261e",
    "#8a5cf6",
    "#d97706",
    "#0891b2",
    "#be185d",
    "#4b5563",
    "#65a30d",
    "#7c3aed",
  ];

  function draw(id, config) {
    charts[id]?.destroy();
    charts[id] = new window.Chart($(id), config);
  }

  function drawWeeks() {
    const weeks = report.tickets.perWeek;
    const keys = [...new Set(weeks.flatMap((w) => Object.keys(w.opened[breakdown])))].sort();
    const datasets = keys.map((key, i) => ({
      label: `${breakdown === "byChannel" ? key : label(key)} · ${t("reports.openedSeries")}`,
      data: weeks.map((w) => w.opened[breakdown][key] ?? 0),
      backgroundColor: palette[i % palette.length],
      stack: "opened",
    }));
    datasets.push({
      label: t("reports.closedSeries"),
      data: weeks.map((w) => w.closed.total),
      backgroundColor: "#9ca3af",
      stack: "closed",
    });
    draw("chart-weeks", {
      type: "bar",
      data: { labels: weeks.map((w) => w.week), datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  function render() {
    $("opened").textContent = number(report.tickets.opened);
    $("closed").textContent = number(report.tickets.closed);
    $("first-median").textContent = number(report.responseTimes.firstResponse.medianMinutes);
    $("first-p90").textContent = number(report.responseTimes.firstResponse.p90Minutes);
    $("resolution-median").textContent = number(report.responseTimes.resolution.medianMinutes);
    $("resolution-p90").textContent = number(report.responseTimes.resolution.p90Minutes);
    $("sla-callbacks").textContent = number(report.sla.callbacksOverdue);
    $("sla-escalations").textContent = number(report.sla.escalations);
    $("sla-pages").textContent = number(report.sla.pages);
    $("sla-acks").textContent = number(report.sla.acknowledgements);
    $("csat-average").textContent = number(report.csat.average);
    $("csat-responses").textContent = number(report.csat.responses);
    const comments = $("comments");
    comments.replaceChildren();
    if (report.csat.latestComments.length === 0) {
      const li = document.createElement("li");
      li.textContent = t("reports.noComments");
      comments.append(li);
    }
    for (const c of report.csat.latestComments) {
      const li = document.createElement("li");
      li.textContent = `${"★".repeat(c.rating)} ${c.comment} (${c.ticket})`;
      comments.append(li);
    }
    drawWeeks();
    draw("chart-csat", {
      type: "bar",
      data: {
        labels: ["1", "2", "3", "4", "5"],
        datasets: [
          {
            label: t("reports.responses"),
            data: ["1", "2", "3", "4", "5"].map((k) => report.csat.distribution[k]),
            backgroundColor: "#0b6bcb",
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    const months = report.billing.perMonth;
    draw("chart-revenue", {
      type: "bar",
      data: {
        labels: months.map((m) => monthName(m.month)),
        datasets: [
          {
            label: t("reports.net"),
            data: months.map((m) => m.netCents / 100),
            backgroundColor: "#1e7b34",
            yAxisID: "money",
          },
          {
            label: t("reports.billableHours"),
            data: months.map((m) => m.billableHours),
            backgroundColor: "#d97706",
            yAxisID: "hours",
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          tooltip: {
            callbacks: {
              label: (ctx) =>
                ctx.dataset.yAxisID === "money"
                  ? `${ctx.dataset.label}: ${money(ctx.parsed.y * 100, report.billing.currency)}`
                  : `${ctx.dataset.label}: ${number(ctx.parsed.y)}`,
            },
          },
        },
        scales: {
          money: {
            position: "left",
            beginAtZero: true,
            title: { display: true, text: t("reports.euro") },
            ticks: { callback: (value) => money(value * 100, report.billing.currency) },
          },
          hours: {
            position: "right",
            beginAtZero: true,
            grid: { drawOnChartArea: false },
            title: { display: true, text: t("reports.hoursAxis") },
          },
        },
      },
    });
    renderTables();
    document.body.dataset.loaded = `${report.from}..${report.to}`;
  }

  const cell = (text) => {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  };
  // A service-time duration; a ticket handled entirely outside service hours says so, not "0 min".
  const duration = (d) =>
    d === null
      ? "–"
      : d.outsideServiceHours
        ? t("reports.outsideHours")
        : `${number(d.minutes)} ${t("reports.minutes")}`;
  const breachName = (type) =>
    type === "ticket.escalated" ? t("reports.escalated") : t("reports.callbackOverdue");

  function renderTables() {
    $("backlog-open").textContent = number(report.backlog.open);
    $("backlog-median").textContent = number(report.backlog.ageDays.median);
    $("backlog-oldest").textContent = number(report.backlog.ageDays.oldest);
    $("reopen-rate").textContent =
      report.reopens.rate === null
        ? "–"
        : new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }).format(
            report.reopens.rate,
          );
    const breaches = $("breaches");
    breaches.replaceChildren();
    if (report.slaBreaches.length === 0) {
      const li = document.createElement("li");
      li.textContent = t("reports.noBreaches");
      breaches.append(li);
    }
    const when = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
    for (const b of report.slaBreaches) {
      const li = document.createElement("li");
      li.textContent = `${b.ticket}: ${breachName(b.type)} (${when.format(new Date(b.at))})`;
      breaches.append(li);
    }
    const techs = $("technicians").querySelector("tbody");
    techs.replaceChildren(
      ...report.technicians.map((x) => {
        const tr = document.createElement("tr");
        tr.append(
          cell(x.technician),
          cell(number(x.hours)),
          cell(x.csat.average === null ? "–" : `${number(x.csat.average)} (${number(x.csat.responses)})`),
        );
        return tr;
      }),
    );
    const rows = $("ticket-list").querySelector("tbody");
    rows.replaceChildren(
      ...report.ticketList.map((x) => {
        const tr = document.createElement("tr");
        tr.append(
          cell(x.number),
          cell(x.category ? label(x.category) : "–"),
          cell(label(x.status)),
          cell(x.technician ?? "–"),
          cell(duration(x.firstResponse)),
          cell(duration(x.resolution)),
          cell(number(x.reopened)),
          cell(x.slaBreaches.map(breachName).join(", ")),
        );
        return tr;
      }),
    );
  }

  async function load() {
    status.textContent = t("reports.loading");
    const query = new URLSearchParams({ from: $("from").value, to: $("to").value });
    try {
      const response = await fetch(`/staff/api/reports?${query}`, {
        headers: { accept: "application/json" },
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.message || response.statusText);
      report = body;
      render();
      status.textContent = "";
    } catch (error) {
      status.textContent = `${t("reports.error")} ${error.message}`;
    }
  }

  for (const button of document.querySelectorAll("[data-breakdown]")) {
    button.addEventListener("click", () => {
      breakdown = button.dataset.breakdown;
      for (const b of document.querySelectorAll("[data-breakdown]"))
        b.setAttribute("aria-pressed", String(b === button));
      if (report) drawWeeks();
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
  void load();
})();
