// Staff board: canned replies (inserted into the reply box, never sent by themselves) and
// sending a file to the customer of the open ticket. Follows the ticket board.js shows.

(() => {
  const strings = JSON.parse(document.getElementById("strings").textContent);
  const t = (key) => key.split(".").reduce((node, part) => (node ? node[part] : undefined), strings) ?? key;
  const $ = (id) => document.getElementById(id);
  const title = $("ticket-title");
  const select = $("canned");
  const message = $("message");
  let current = null;
  let replies = [];

  const numberShown = () => (title.textContent.split(" — ")[0] || "").trim() || null;

  async function load(number) {
    current = number;
    replies = [];
    select.replaceChildren(new Option(t("desk.replies.choose"), ""));
    $("canned-box").hidden = true;
    if (!number) return;
    try {
      const response = await fetch(`/staff/api/tickets/${encodeURIComponent(number)}/replies`, {
        credentials: "same-origin",
      });
      if (!response.ok || number !== current) return;
      replies = (await response.json()).replies;
      for (const r of replies) select.append(new Option(r.title, r.key));
      $("canned-box").hidden = replies.length === 0;
    } catch {
      // The board still works without canned replies.
    }
  }

  select.addEventListener("change", () => {
    const reply = replies.find((r) => r.key === select.value);
    if (!reply) return;
    message.value = message.value.trim() ? `${message.value.trim()}\n\n${reply.text}` : reply.text;
    message.focus();
    select.value = "";
  });

  new MutationObserver(() => {
    const number = numberShown();
    if (number !== current) void load(number);
  }).observe(title, { childList: true, characterData: true, subtree: true });

  $("file-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("file");
    const status = $("file-status");
    if (!current || !input.files || input.files.length === 0) return;
    const form = new FormData();
    form.append("file", input.files[0]);
    if (message.value.trim()) form.append("text", message.value.trim());
    $("send-file").disabled = true;
    try {
      const response = await fetch(`/staff/api/tickets/${encodeURIComponent(current)}/files`, {
        method: "POST",
        body: form,
        credentials: "same-origin",
        headers: {
          "x-csrf-token": document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") || "",
        },
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.error?.message || response.statusText);
      status.textContent = t("desk.replies.sent");
      input.value = "";
      message.value = "";
    } catch (error) {
      status.textContent = `${t("desk.replies.failed")} ${error.message}`;
    } finally {
      $("send-file").disabled = false;
    }
  });
})();
