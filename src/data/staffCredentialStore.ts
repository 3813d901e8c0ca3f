/** Staff board credentials on the Technician table (hashes only; see src/desk/board/staffAuth.ts). */
import type { StaffCredentialRecord, StaffCredentialStore } from "../desk/board/staffAuth.js";
import type { Prisma } from "./database.js";

const select = { id: true, name: true, passwordHash: true, tokenHash: true, active: true } as const;

export function createStaffCredentialStore(prisma: Prisma): StaffCredentialStore {
  const toRecord = (row: StaffCredentialRecord | null) => row;
  return {
    async findByName(name) {
      return toRecord(await prisma.technician.findUnique({ where: { name }, select }));
    },
    async findByTokenHash(tokenHash) {
      return toRecord(await prisma.technician.findUnique({ where: { tokenHash }, select }));
    },
    async setPassword(name, passwordHash) {
      await prisma.technician.upsert({
        where: { name },
        create: { name, passwordHash },
        update: { passwordHash },
      });
    },
    async setTokenHash(name, tokenHash) {
      await prisma.technician.upsert({ where: { name }, create: { name, tokenHash }, update: { tokenHash } });
    },
    async hasCredentials() {
      const count = await prisma.technician.count({
        where: { active: true, OR: [{ passwordHash: { not: null } }, { tokenHash: { not: null } }] },
      });
      return count > 0;
    },
  };
}
