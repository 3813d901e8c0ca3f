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
  const SVG = "http://www.w3.org/2000/svg";
  const icon = (d) => {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "26");
    svg.setAttribute("fill", "none");
    svg.setAttribute("stroke", "currentColor");
    svg.setAttribute("stroke-width", "2");
    svg.setAttribute("stroke-linecap", "round");
    svg.setAttribute("stroke-linejoin", "round");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
    return svg;
  };
  const CHAT_ICON = "M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z";
  const CLOSE_ICON = "M18 6L6 18M6 6l12 12";
  button.replaceChildren(icon(CHAT_ICON));
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
    display: "flex",
    alignItems: "center",
    justifyContent: "center",
    cursor: "pointer",
    boxShadow: "0 4px 14px rgba(0,0,0,.3)",
    zIndex: "2147483647",
  });
  button.addEventListener("click", () => {
    const open = frame.style.display === "none";
    frame.style.display = open ? "block" : "none";
    button.replaceChildren(icon(open ? CLOSE_ICON : CHAT_ICON));
    button.setAttribute("aria-label", open ? text.close : text.open);
    button.setAttribute("aria-expanded", String(open));
    if (open) frame.focus();
  });

  const mount = () => document.body.append(frame, button);
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
