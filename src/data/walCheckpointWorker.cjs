// @ts-check
/**
 * The worker thread of walCheckpointer.ts: its own connection to the database file, running a
 * passive checkpoint (never waits for the writer) when asked (walCheckpointer.ts spaces the asks).
 * Plain CommonJS on purpose: it runs the same from the sources (tsx) and from the compiled bundle.
 *
 * Messages in: "checkpoint", "close". Messages out: { ready: true }, { log, checkpointed } after
 * each checkpoint, { error } when one failed (the next request tries again).
 */
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);

const db = new Database(workerData.file);
db.prepare("PRAGMA busy_timeout = 1000").all();
// This connection never writes; its own auto-checkpoint stays off.
db.prepare("PRAGMA wal_autocheckpoint = 0").all();
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");

parentPort.on("message", (message) => {
  if (message === "close") {
    db.close();
    process.exit(0);
  }
  if (message !== "checkpoint") return;
  try {
    const [row] = checkpoint.all();
    parentPort.postMessage({ log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
parentPort.postMessage({ ready: true });
