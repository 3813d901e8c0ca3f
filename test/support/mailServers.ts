/**
 * Real mail servers on 127.0.0.1 for the e-mail tests: Debian's Dovecot (IMAP, a throw-away
 * config, users and maildirs in a temp folder, started as a process of its own) and npm's
 * `smtp-server` as the receiving SMTP side, which parses each message and files it into the
 * recipient's Dovecot mailbox when that user exists (so "it reached the customer's mailbox" is
 * checked over IMAP like a mail client would).
 */
import { spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImapFlow } from "imapflow";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { eventually } from "./eventually.js";

/** Process ids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

export const DOVECOT = process.env.DOVECOT_BIN ?? "/usr/sbin/dovecot";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** Waits for `check` to return a value (errors it throws count as "not yet"). */
function until<T>(what: string, check: () => Promise<T | null | undefined | false>, ms = 10_000): Promise<T> {
  return eventually(check, what, { timeoutMs: ms, intervalMs: 50 }) as Promise<T>;
}

export interface ImapTestServer {
  port: number;
  /** `imap://user:pass@127.0.0.1:port/INBOX` for a user. */
  url(user: string): string;
  /** Delivers a raw message into a user's INBOX (as the MTA would). */
  deliver(user: string, raw: string | Buffer): Promise<void>;
  /** The messages of a user's INBOX, parsed. */
  messages(user: string): Promise<(ParsedMail & { seen: boolean })[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Starts Dovecot with its own config and these users (password = "secret"). */
export async function startDovecot(users: string[]): Promise<ImapTestServer> {
  const dir = mkdtempSync(join(tmpdir(), "sportello-dovecot-"));
  chmodSync(dir, 0o755);
  const mail = join(dir, "mail");
  mkdirSync(join(dir, "run"), { recursive: true });
  mkdirSync(mail, { recursive: true });
  const root = process.getuid?.() === 0;
  // As root, Dovecot drops to an unprivileged mail user; otherwise it runs as the current user.
  const uid = root ? 65534 : process.getuid!();
  const gid = root ? 65534 : process.getgid!();
  if (root) chownSync(mail, uid, gid);
  writeFileSync(join(dir, "passwd"), `${users.map((u) => `${u}:{PLAIN}secret`).join("\n")}\n`);
  const port = await freePort();
  writeFileSync(
    join(dir, "dovecot.conf"),
    `base_dir = ${dir}/run
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:${mail}/%u
${root ? "" : `default_internal_user = ${process.env.USER ?? "nobody"}\ndefault_login_user = ${process.env.USER ?? "nobody"}\n`}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${mail}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  inet_listener http {
    port = 0
  }
}
`,
  );
  const conf = join(dir, "dovecot.conf");
  const connect = async (user: string) => {
    const c = new ImapFlow({
      host: "127.0.0.1",
      port,
      secure: false,
      auth: { user, pass: "secret" },
      logger: false,
    });
    c.on("error", () => undefined);
    await c.connect();
    return c;
  };
  const server: ImapTestServer = {
    port,
    url: (user) => `imap://${encodeURIComponent(user)}:secret@127.0.0.1:${port}/INBOX`,
    async start() {
      const child = spawn(DOVECOT, ["-c", conf], { stdio: "ignore" });
      await new Promise<void>((resolve, reject) => {
        child.on("exit", (code) =>
          code === 0 ? resolve() : reject(new Error(`dovecot exited with ${code}: ${readLog()}`)),
        );
        child.on("error", reject);
      });
      await until("dovecot to accept logins", async () => {
        const c = await connect(users[0]!);
        await c.logout();
        return true;
      });
    },
    async stop() {
      const pidFile = join(dir, "run", "master.pid");
      if (!existsSync(pidFile)) return;
      const pid = Number(readFileSync(pidFile, "utf8").trim());
      // The IMAP sessions are the master's children: they end with it, like a server going away.
      for (const child of childrenOf(pid)) {
        try {
          process.kill(child, "SIGKILL");
        } catch {
          // already gone
        }
      }
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        return;
      }
      await until("dovecot to stop", async () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      });
    },
    async deliver(user, raw) {
      const c = await connect(user);
      try {
        await c.append("INBOX", typeof raw === "string" ? Buffer.from(raw.replace(/\r?\n/g, "\r\n")) : raw);
      } finally {
        await c.logout();
      }
    },
    async messages(user) {
      const c = await connect(user);
      try {
        await c.mailboxOpen("INBOX");
        const out: (ParsedMail & { seen: boolean })[] = [];
        if (c.mailbox && c.mailbox.exists === 0) return out;
        for await (const m of c.fetch("1:*", { source: true, flags: true })) {
          const parsed = await simpleParser(m.source!);
          out.push(Object.assign(parsed, { seen: m.flags?.has("\\Seen") ?? false }));
        }
        return out;
      } finally {
        await c.logout();
      }
    },
  };
  const readLog = () => {
    try {
      return readFileSync(join(dir, "dovecot.log"), "utf8").slice(-2000);
    } catch {
      return "";
    }
  };
  await server.start();
  const stop = server.stop;
  server.stop = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return Object.assign(server, {
    /** Stops Dovecot but keeps its mailboxes, for restart tests. */
    pause: stop,
  });
}

export interface SmtpTestServer {
  port: number;
  url: string;
  received: ParsedMail[];
  /** Waits for a received mail matching the predicate. */
  waitFor(predicate: (m: ParsedMail) => boolean, what?: string): Promise<ParsedMail>;
  /** Answers the next N messages with this SMTP error (e.g. 451 or 550). */
  failNext(count: number, code: number): void;
  stop(): Promise<void>;
}

/** The receiving SMTP side; `fileInto` puts each message into a Dovecot user's mailbox when it has one. */
export async function startSmtp(fileInto?: {
  server: ImapTestServer;
  users: string[];
}): Promise<SmtpTestServer> {
  const received: ParsedMail[] = [];
  let failures = { count: 0, code: 0 };
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        if (failures.count > 0) {
          failures.count--;
          const error = Object.assign(new Error(`test failure ${failures.code}`), {
            responseCode: failures.code,
          });
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks);
        try {
          received.push(await simpleParser(raw));
          for (const rcpt of session.envelope.rcptTo) {
            const user = rcpt.address.toLowerCase();
            if (fileInto?.users.includes(user)) await fileInto.server.deliver(user, raw);
          }
          callback();
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => smtp.listen(port, "127.0.0.1", () => resolve()));
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    waitFor: (predicate, what = "an e-mail") =>
      until(what, async () => received.find(predicate) ?? null, 15_000),
    failNext(count, code) {
      failures = { count, code };
    },
    stop: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

export { until };
