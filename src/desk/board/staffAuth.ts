/**
 * Staff access: who may use the staff board, with which role, and how they prove it.
 *
 * - A technician gets in with a password they chose themselves through a **one-time link**
 *   (`sportello staff invite NAME`, or `staff reset NAME` to choose a new one). The link works
 *   once and expires ({@link StaffAuthOptions.inviteTtlMs}, 24 h by default).
 * - In **localhost mode** (no `PUBLIC_URL`) whoever sits at the machine may act as a technician
 *   who has no password yet; technicians with a password always need it.
 * - Sessions live in the store (only the cookie's hash), so disabling a technician or resetting
 *   their password ends their sessions at once.
 *
 * Two roles: `technician` works tickets; `admin` also manages staff, presets in use and exports.
 * No Fastify here: see `src/server/boardAuth.ts` for the HTTP side (`requireStaff`, `requireAdmin`).
 */

import { CodedError } from "../../errors.js";
import { createDeviceCookies, type DeviceCookies } from "./deviceCookies.js";
import {
  hashPassword,
  hashToken,
  looksLikeToken,
  newToken,
  passwordProblem,
  verifyPassword,
} from "./passwords.js";

/** What a technician may do on the board. */
export type StaffRole = "technician" | "admin";
export const STAFF_ROLES: readonly StaffRole[] = ["technician", "admin"];

/** A technician as staff access sees them. */
export interface StaffAccount {
  id: string;
  name: string;
  role: StaffRole;
  active: boolean;
  /** Whether a board password is set. */
  hasPassword: boolean;
}

/** How a session was opened. */
export type SessionMode = "password" | "local" | "invite";

/** A live board session. */
export interface StaffSession {
  technician: { id: string; name: string; role: StaffRole };
  mode: SessionMode;
  expiresAt: Date;
}

/** A stored one-time link. */
export interface InviteRecord {
  technicianId: string;
  purpose: "invite" | "reset";
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

/** Persistence of staff access (implemented in SQL in `src/data/staffAccessStore.ts`). */
export interface StaffAccessStore {
  /** By technician name, case-insensitively. */
  findByName(name: string): Promise<StaffAccount | null>;
  findById(id: string): Promise<StaffAccount | null>;
  /** The board password hash of a technician, null when none is set. */
  passwordHash(technicianId: string): Promise<string | null>;
  /** Every technician (active or not), by name. */
  list(): Promise<StaffAccount[]>;
  /** Creates a technician (a unique name). */
  create(name: string, role: StaffRole): Promise<StaffAccount>;
  /** Sets or clears (null) the board password. */
  setPassword(technicianId: string, hash: string | null): Promise<void>;
  setRole(technicianId: string, role: StaffRole): Promise<void>;
  setActive(technicianId: string, active: boolean): Promise<void>;
  /** Stores an invite; earlier unused ones of the technician are revoked. */
  createInvite(invite: {
    technicianId: string;
    tokenHash: string;
    purpose: "invite" | "reset";
    expiresAt: Date;
    now: Date;
  }): Promise<void>;
  findInvite(tokenHash: string): Promise<InviteRecord | null>;
  /** Marks the invite used if it is unused, unrevoked and unexpired at `now`; false otherwise (atomic). */
  useInvite(tokenHash: string, now: Date): Promise<boolean>;
  /** The technician's latest unused, unrevoked invite expiry, or null. */
  pendingInvite(technicianId: string, now: Date): Promise<Date | null>;
  revokeInvites(technicianId: string, now: Date): Promise<void>;
  createSession(session: {
    technicianId: string;
    tokenHash: string;
    mode: SessionMode;
    expiresAt: Date;
  }): Promise<void>;
  findSession(
    tokenHash: string,
  ): Promise<{ technicianId: string; mode: SessionMode; expiresAt: Date; revokedAt: Date | null } | null>;
  /** Revokes sessions of a technician (all, or all but one); returns how many. */
  revokeSessions(technicianId: string, now: Date, exceptTokenHash?: string): Promise<number>;
  revokeSession(tokenHash: string, now: Date): Promise<void>;
  /** Live sessions per technician id. */
  liveSessions(now: Date): Promise<Map<string, number>>;
}

/** Stable error codes of staff access. */
export type StaffAuthErrorCode =
  | "unknown-technician"
  | "technician-exists"
  | "technician-disabled"
  | "weak-password"
  | "common-password"
  | "invalid-name"
  | "invite-invalid"
  | "invite-used"
  | "invite-expired"
  | "not-first-technician";

/** An access error with a stable code. */
export class StaffAuthError extends CodedError<StaffAuthErrorCode> {}

/** Names a technician may have: 2–60 letters, digits, spaces or `. _ ' -`. */
export const TECHNICIAN_NAME = /^[\p{L}\p{M}\p{N} ._'-]{2,60}$/u;

export interface StaffAuthOptions {
  store: StaffAccessStore;
  /** Session lifetime; default 12 hours. */
  sessionTtlMs?: number;
  /** Invite and reset link lifetime; default 24 hours. */
  inviteTtlMs?: number;
  now?: () => Date;
}

/** A session and the cookie value that carries it (shown to the browser only). */
export interface IssuedSession {
  token: string;
  session: StaffSession;
}

/** What an invite link is, before it is used. */
export interface InviteInfo {
  account: StaffAccount;
  purpose: "invite" | "reset";
  expiresAt: Date;
}

/** The staff access service. */
export interface StaffAuth {
  /** Password sign-in; null for an unknown name, a wrong password or a disabled technician. */
  login(name: string, password: string): Promise<IssuedSession | null>;
  /** Localhost-mode sign-in as a technician without a password; null otherwise. */
  localLogin(technicianId: string): Promise<IssuedSession | null>;
  /** Technicians a localhost user may act as (active, no password). */
  localCandidates(): Promise<StaffAccount[]>;
  /** Creates the very first technician as admin (localhost mode set-up); refused once anyone exists. */
  createFirstAdmin(name: string): Promise<StaffAccount>;
  /** Issues a one-time link token for an existing technician; `reset` also clears the password and ends sessions. */
  issueInvite(
    name: string,
    purpose?: "invite" | "reset",
  ): Promise<{ token: string; expiresAt: Date; account: StaffAccount }>;
  /** Checks an invite token without using it (link previews must not burn it). */
  inspectInvite(token: string): Promise<InviteInfo>;
  /** Uses an invite: sets the password, ends other sessions, opens a new one. */
  acceptInvite(token: string, password: string): Promise<IssuedSession>;
  /** The session a cookie value stands for; null when unknown, expired, revoked or the technician is disabled. */
  resolve(token: string | undefined): Promise<StaffSession | null>;
  logout(token: string | undefined): Promise<void>;
  /** Disables a technician: no sign-in, sessions and pending links end. */
  disable(name: string): Promise<StaffAccount>;
  enable(name: string): Promise<StaffAccount>;
  setRole(name: string, role: StaffRole): Promise<StaffAccount>;
  /** Everyone, with how they can get in. */
  list(): Promise<(StaffAccount & { inviteExpiresAt: Date | null; sessions: number })[]>;
  /** Device cookies of browsers that signed in with a password (see deviceCookies.ts). */
  readonly devices: DeviceCookies;
}

/** Link for an invite or reset token, e.g. `https://support.example.com/staff/invite?token=…`. */
export function staffInviteLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/staff/invite?token=${encodeURIComponent(token)}`;
}

/** Creates the staff access service. */
export function createStaffAuth(options: StaffAuthOptions): StaffAuth {
  const { store } = options;
  const sessionTtl = options.sessionTtlMs ?? 12 * 60 * 60 * 1000;
  const inviteTtl = options.inviteTtlMs ?? 24 * 60 * 60 * 1000;
  const now = options.now ?? (() => new Date());
  // Verifying against a dummy hash keeps unknown names as slow as wrong passwords.
  let dummy: Promise<string> | null = null;
  const dummyHash = () => {
    dummy ??= hashPassword(newToken());
    return dummy;
  };

  async function open(account: StaffAccount, mode: SessionMode): Promise<IssuedSession> {
    const token = newToken();
    const expiresAt = new Date(now().getTime() + sessionTtl);
    await store.createSession({ technicianId: account.id, tokenHash: hashToken(token), mode, expiresAt });
    return {
      token,
      session: { technician: { id: account.id, name: account.name, role: account.role }, mode, expiresAt },
    };
  }

  async function existing(name: string): Promise<StaffAccount> {
    const account = await store.findByName(name.trim());
    if (!account) throw new StaffAuthError("unknown-technician", `No technician named ${name}`);
    return account;
  }

  async function inspect(token: string): Promise<InviteInfo & { hash: string }> {
    const hash = looksLikeToken(token) ? hashToken(token) : null;
    const invite = hash ? await store.findInvite(hash) : null;
    if (!hash || !invite || invite.revokedAt) {
      throw new StaffAuthError("invite-invalid", "This link is not valid: ask an admin for a new one");
    }
    if (invite.usedAt)
      throw new StaffAuthError("invite-used", "This link was already used: ask an admin for a new one");
    if (invite.expiresAt.getTime() <= now().getTime()) {
      throw new StaffAuthError("invite-expired", "This link has expired: ask an admin for a new one");
    }
    const account = await store.findById(invite.technicianId);
    if (!account)
      throw new StaffAuthError("invite-invalid", "This link is not valid: ask an admin for a new one");
    if (!account.active) throw new StaffAuthError("technician-disabled", `${account.name} is disabled`);
    return { account, purpose: invite.purpose, expiresAt: invite.expiresAt, hash };
  }

  return {
    devices: createDeviceCookies(store),

    async login(name, password) {
      const account = name.trim() ? await store.findByName(name.trim()) : null;
      const hash = account?.active ? await store.passwordHash(account.id) : null;
      const ok = await verifyPassword(password.slice(0, 1024), hash ?? (await dummyHash()));
      return ok && account && hash ? open(account, "password") : null;
    },

    async localLogin(technicianId) {
      const account = await store.findById(technicianId);
      if (!account?.active || account.hasPassword) return null;
      return open(account, "local");
    },

    async localCandidates() {
      return (await store.list()).filter((a) => a.active && !a.hasPassword);
    },

    async createFirstAdmin(name) {
      const clean = name.normalize("NFC").trim();
      if (!TECHNICIAN_NAME.test(clean)) {
        throw new StaffAuthError("invalid-name", "2–60 letters, digits, spaces or . _ ' -");
      }
      if ((await store.list()).length > 0) {
        throw new StaffAuthError(
          "not-first-technician",
          "Technicians exist already: an admin adds the others",
        );
      }
      return store.create(clean, "admin");
    },

    async issueInvite(name, purpose = "invite") {
      const account = await existing(name);
      if (!account.active) throw new StaffAuthError("technician-disabled", `${account.name} is disabled`);
      const at = now();
      if (purpose === "reset") {
        await store.setPassword(account.id, null);
        await store.revokeSessions(account.id, at);
      }
      const token = newToken();
      const expiresAt = new Date(at.getTime() + inviteTtl);
      await store.createInvite({
        technicianId: account.id,
        tokenHash: hashToken(token),
        purpose,
        expiresAt,
        now: at,
      });
      return { token, expiresAt, account: (await store.findById(account.id)) ?? account };
    },

    async inspectInvite(token) {
      const { hash: _hash, ...info } = await inspect(token);
      return info;
    },

    async acceptInvite(token, password) {
      const info = await inspect(token);
      const problem = await passwordProblem(password, info.account.name);
      if (problem === "guessable") {
        throw new StaffAuthError(
          "common-password",
          "This password is too common or easy to guess: choose another (a few random words work well)",
        );
      }
      if (problem) {
        throw new StaffAuthError(
          "weak-password",
          problem === "too-short"
            ? "Passwords need at least 10 characters"
            : problem === "too-long"
              ? "Passwords have at most 256 characters"
              : "The password cannot be your name",
        );
      }
      const hash = await hashPassword(password);
      // The conditional update is the real check: of two concurrent uses only one wins.
      if (!(await store.useInvite(info.hash, now()))) {
        throw new StaffAuthError("invite-used", "This link was already used: ask an admin for a new one");
      }
      await store.setPassword(info.account.id, hash);
      await store.revokeSessions(info.account.id, now());
      return open({ ...info.account, hasPassword: true }, "invite");
    },

    async resolve(token) {
      if (!looksLikeToken(token)) return null;
      const found = await store.findSession(hashToken(token));
      if (!found || found.revokedAt || found.expiresAt.getTime() <= now().getTime()) return null;
      const account = await store.findById(found.technicianId);
      if (!account?.active) return null;
      return {
        technician: { id: account.id, name: account.name, role: account.role },
        mode: found.mode,
        expiresAt: found.expiresAt,
      };
    },

    async logout(token) {
      if (looksLikeToken(token)) await store.revokeSession(hashToken(token), now());
    },

    async disable(name) {
      const account = await existing(name);
      const at = now();
      await store.setActive(account.id, false);
      await store.revokeSessions(account.id, at);
      await store.revokeInvites(account.id, at);
      return { ...account, active: false };
    },

    async enable(name) {
      const account = await existing(name);
      await store.setActive(account.id, true);
      return { ...account, active: true };
    },

    async setRole(name, role) {
      const account = await existing(name);
      await store.setRole(account.id, role);
      // A changed role takes effect on the next request: sessions read the role from the store.
      return { ...account, role };
    },

    async list() {
      const at = now();
      const sessions = await store.liveSessions(at);
      const accounts = await store.list();
      return Promise.all(
        accounts.map(async (a) => ({
          ...a,
          inviteExpiresAt: await store.pendingInvite(a.id, at),
          sessions: sessions.get(a.id) ?? 0,
        })),
      );
    },
  };
}
