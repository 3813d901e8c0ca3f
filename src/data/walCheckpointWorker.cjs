// @ts-check
/**
 * The worker thread of walCheckpointer.ts: its own connection to the database file, running a
 * passive checkpoint (never waits for the writer) when asked, at most one per `minIntervalMs`.
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
let last = 0;
let timer = null;

function run() {
  timer = null;
  last = Date.now();
  try {
    const [row] = checkpoint.all();
    parentPort.postMessage({ log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
}

parentPort.on("message", (message) => {
  if (message === "close") {
    if (timer) clearTimeout(timer);
    db.close();
    process.exit(0);
  }
  if (message !== "checkpoint" || timer) return;
  timer = setTimeout(run, Math.max(0, last + workerData.minIntervalMs - Date.now()));
});
parentPort.postMessage({ ready: true });
