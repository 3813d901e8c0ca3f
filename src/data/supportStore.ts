/**
 * Everything the runtime reads and writes, as small functions in SQL over a transaction
 * ({@link SqlTx}) or the database (then on a session connection), one module per subject. The
 * runtime decides *what* to store; these modules only know *how*.
 */
export * from "./customerStore.js";
export * from "./jobStore.js";
export * from "./messageStore.js";
export * from "./technicianStore.js";
export * from "./ticketStore.js";
