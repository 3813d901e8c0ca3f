/**
 * Everything the runtime reads and writes, as small functions over a transaction client (Prisma,
 * or the hot path's {@link SqlTx}), one module per subject. The runtime decides *what* to store;
 * these modules only know *how*.
 */
export * from "./customerStore.js";
export * from "./jobStore.js";
export * from "./messageStore.js";
export * from "./technicianStore.js";
export * from "./ticketStore.js";
