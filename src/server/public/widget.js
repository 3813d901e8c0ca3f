// sportello chat widget: <script src="https://support.example.com/widget.js" async></script>
// puts a floating button on the page that opens the web chat in an iframe.
(() => {
  if (window.__sportelloWidget) return;
  window.__sportelloWidget = true;
  const script = document.currentScript;
  const origin = script ? new URL(script.src).origin : "";
  const labels = __SPORTELLO_LABELS__;
  const language = (navigator.language || "en").toLowerCase().startsWith("it") ? "it" : "en";
  const text = labels[language];

  const frame = document.createElement("iframe");
  frame.src = `${origin}/?embed=1`;
  frame.title = text.title;
  frame.allow = "clipboard-write";
  Object.assign(frame.style, {
    position: "fixed",
    right: "16px",
    bottom: "84px",
    width: "min(380px, calc(100vw - 32px))",
    height: "min(600px, calc(100vh - 110px))",
    border: "0",
    borderRadius: "12px",
    boxShadow: "0 8px 30px rgba(0,0,0,.25)",
    zIndex: "2147483646",
    display: "none",
    background: "#fff",
  });

  const button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-label", text.open);
  button.setAttribute("aria-expanded", "false");
  button.textContent = "💬";
  Object.assign(button.style, {
    position: "fixed",
    right: "16px",
    bottom: "16px",
    width: "56px",
    height: "56px",
    borderRadius: "50%",
    border: "0",
    background: "#0b6bcb",
    color: "#fff",
    fontSize: "26px",
    cursor: "pointer",
    boxShadow: "0 4px 14px rgba(0,0,0,.3)",
    zIndex: "2147483647",
  });
  button.addEventListener("click", () => {
    const open = frame.style.display === "none";
    frame.style.display = open ? "block" : "none";
    button.textContent = open ? "✕" : "💬";
    button.setAttribute("aria-label", open ? text.close : text.open);
    button.setAttribute("aria-expanded", String(open));
    if (open) frame.focus();
  });

  const mount = () => document.body.append(frame, button);
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
