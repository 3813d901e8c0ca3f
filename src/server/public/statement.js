// Monthly statement page: the print button (no inline handlers, for the board's CSP).

document.getElementById("print")?.addEventListener("click", () => window.print());
