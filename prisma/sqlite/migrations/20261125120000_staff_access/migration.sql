-- CreateTable
CREATE TABLE "TechnicianIdentity" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "technicianId" TEXT NOT NULL,
    "desk" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "secretHash" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "TechnicianIdentity_technicianId_fkey" FOREIGN KEY ("technicianId") REFERENCES "Technician" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "StaffInvite" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "technicianId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "purpose" TEXT NOT NULL DEFAULT 'invite',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "revokedAt" DATETIME,
    CONSTRAINT "StaffInvite_technicianId_fkey" FOREIGN KEY ("technicianId") REFERENCES "Technician" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "StaffSession" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "technicianId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "revokedAt" DATETIME,
    CONSTRAINT "StaffSession_technicianId_fkey" FOREIGN KEY ("technicianId") REFERENCES "Technician" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- AlterTable (a column added in place: redefining Technician would cascade-delete its shifts)
ALTER TABLE "Technician" ADD COLUMN "role" TEXT NOT NULL DEFAULT 'technician';

-- CreateIndex
CREATE UNIQUE INDEX "TechnicianIdentity_desk_externalId_key" ON "TechnicianIdentity"("desk", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "TechnicianIdentity_technicianId_desk_key" ON "TechnicianIdentity"("technicianId", "desk");

-- CreateIndex
CREATE UNIQUE INDEX "StaffInvite_tokenHash_key" ON "StaffInvite"("tokenHash");

-- CreateIndex
CREATE INDEX "StaffInvite_technicianId_idx" ON "StaffInvite"("technicianId");

-- CreateIndex
CREATE UNIQUE INDEX "StaffSession_tokenHash_key" ON "StaffSession"("tokenHash");

-- CreateIndex
CREATE INDEX "StaffSession_technicianId_idx" ON "StaffSession"("technicianId");


-- Data: Slack users and board passwords become per-desk identities; admins are named with `sportello staff role NAME admin`.
INSERT INTO "TechnicianIdentity" ("id", "technicianId", "desk", "externalId", "secretHash")
SELECT 'mig' || lower(hex(randomblob(12))), "id", 'slack', "slackUserId", NULL FROM "Technician" WHERE "slackUserId" IS NOT NULL;

INSERT INTO "TechnicianIdentity" ("id", "technicianId", "desk", "externalId", "secretHash")
SELECT 'mig' || lower(hex(randomblob(12))), "id", 'board', lower("name"), "passwordHash" FROM "Technician";

