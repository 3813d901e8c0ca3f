// Web chat client: one chat per browser (secret token in localStorage), messages over SSE.
(() => {
  const strings = JSON.parse(document.getElementById("strings").textContent);
  const maxMb = document.body.dataset.maxMb;
  const t = (key, params = {}) => {
    let s = key
      .split(".")
      .reduce((node, part) => (node && typeof node === "object" ? node[part] : undefined), strings);
    if (typeof s !== "string") s = key;
    return s.replace(/\{\{(\w+)\}\}/g, (_, name) => (params[name] !== undefined ? String(params[name]) : ""));
  };
  const $ = (id) => document.getElementById(id);
  const list = $("messages");
  const form = $("composer");
  const input = $("text");
  const fileInput = $("file");
  const sendButton = $("send");
  const status = $("status");
  const errorBox = $("error");
  $("limits").textContent = t("chat.limits", { mb: maxMb });

  // crypto.randomUUID needs a secure context; getRandomValues works on plain http LAN addresses too.
  const randomBytes = (n) => crypto.getRandomValues(new Uint8Array(n));
  const randomToken = () =>
    btoa(String.fromCharCode(...randomBytes(24)))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  const uuid = () => {
    const b = randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  const TOKEN_KEY = "sportello.chat.token";
  let token;
  try {
    token = localStorage.getItem(TOKEN_KEY);
    if (!token) {
      token = randomToken();
      localStorage.setItem(TOKEN_KEY, token);
    }
  } catch {
    token = randomToken();
  }
  const language = navigator.language || document.documentElement.lang;

  const seen = new Set();
  const pending = new Map();

  function scrollDown() {
    list.scrollTop = list.scrollHeight;
  }

  function fileUrl(url) {
    return url.startsWith("/") ? `${url}?t=${encodeURIComponent(token)}` : url;
  }

  function disableChoices() {
    for (const button of list.querySelectorAll(".choices button")) button.disabled = true;
  }

  function renderMessage(event, li = document.createElement("li")) {
    li.className = `msg ${event.direction}`;
    li.replaceChildren();
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = event.direction === "in" ? t("chat.you") : t("chat.bot");
    li.append(who);
    if (event.text) li.append(document.createTextNode(event.text));
    for (const a of event.attachments || []) {
      if (a.kind === "image" && a.url) {
        const img = document.createElement("img");
        img.src = fileUrl(a.url);
        img.alt = a.name;
        li.append(img);
      } else if (a.url) {
        const link = document.createElement("a");
        link.href = fileUrl(a.url);
        link.textContent = a.name;
        link.className = "file-link";
        link.target = "_blank";
        link.rel = "noopener";
        li.append(document.createElement("br"), link);
      } else if (a.name) {
        li.append(document.createElement("br"), document.createTextNode(a.name));
      }
    }
    if (event.choices?.length) {
      const group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      for (const choice of event.choices) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = choice.label;
        button.dataset.choice = choice.id;
        button.addEventListener("click", () => {
          disableChoices();
          button.classList.add("chosen");
          void send({ text: choice.label, choice: choice.id });
        });
        group.append(button);
      }
      li.append(group);
    }
    return li;
  }

  function onEvent(event) {
    if (seen.has(event.id)) return;
    seen.add(event.id);
    if (event.direction === "in") {
      disableChoices();
      const mine = pending.get(event.clientId);
      if (mine) {
        mine.classList.remove("pending");
        pending.delete(event.clientId);
        renderMessage(event, mine);
        return;
      }
      if (list.querySelector(`[data-client-id="${CSS.escape(event.clientId || "")}"]`)) return;
    }
    const li = renderMessage(event);
    if (event.clientId) li.dataset.clientId = event.clientId;
    list.append(li);
    scrollDown();
  }

  function connect() {
    const source = new EventSource(`/chat/stream?t=${encodeURIComponent(token)}`);
    source.onopen = () => {
      status.textContent = "";
    };
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) {
        status.textContent = t("chat.offline");
        return;
      }
      // Refused (the server is busy: 429/503): the browser gives up, so try again later.
      status.textContent = t("chat.busy");
      setTimeout(connect, 30_000);
    };
    // This chat opened in another window took this one's place: do not take it back.
    source.addEventListener("replaced", () => {
      source.close();
      status.textContent = t("chat.replaced");
    });
    source.onmessage = (message) => {
      try {
        onEvent(JSON.parse(message.data));
      } catch {
        // A malformed event must not stop the stream.
      }
    };
  }

  function showError(code, fallback, retryAfter) {
    const key = `chat.errors.${code}`;
    const seconds = Math.max(1, Number(retryAfter) || 0);
    const text = t(key, { mb: maxMb, seconds, minutes: Math.ceil(seconds / 60) });
    errorBox.textContent = text === key ? fallback || t("chat.errors.generic") : text;
    errorBox.hidden = false;
  }

  async function send({ text, choice, file }) {
    errorBox.hidden = true;
    const clientId = uuid();
    const li = renderMessage({
      direction: "in",
      text,
      attachments: file ? [{ kind: "document", name: file.name }] : [],
    });
    li.classList.add("pending");
    li.dataset.clientId = clientId;
    pending.set(clientId, li);
    list.append(li);
    scrollDown();
    let response;
    try {
      if (file) {
        const body = new FormData();
        body.append("clientId", clientId);
        body.append("text", text);
        body.append("languageHint", language);
        body.append("file", file, file.name);
        response = await fetch("/chat/messages", {
          method: "POST",
          headers: { "x-chat-token": token },
          body,
        });
      } else {
        response = await fetch("/chat/messages", {
          method: "POST",
          headers: { "x-chat-token": token, "content-type": "application/json" },
          body: JSON.stringify({ clientId, text, choice, languageHint: language }),
        });
      }
    } catch {
      response = null;
    }
    if (response?.ok) return true;
    pending.delete(clientId);
    li.remove();
    if (!response) {
      showError("network");
    } else {
      let body = null;
      try {
        body = await response.json();
      } catch {}
      showError(
        body?.error ? body.error.code : "generic",
        body?.error ? body.error.message : "",
        response.headers.get("retry-after"),
      );
    }
    return false;
  }

  function clearAttachment() {
    fileInput.value = "";
    $("attachment").hidden = true;
  }

  fileInput.addEventListener("change", () => {
    const file = fileInput.files[0];
    if (!file) return clearAttachment();
    $("attachment-name").textContent = t("chat.attached", { name: file.name });
    $("attachment").hidden = false;
    input.focus();
  });
  $("remove-attachment").addEventListener("click", () => {
    clearAttachment();
    input.focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    const file = fileInput.files[0];
    if (!text && !file) {
      showError("empty-message");
      return;
    }
    sendButton.disabled = true;
    input.value = "";
    clearAttachment();
    const ok = await send({ text, file });
    if (!ok && text) input.value = text;
    sendButton.disabled = false;
    input.focus();
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  connect();
  input.focus();
})();
