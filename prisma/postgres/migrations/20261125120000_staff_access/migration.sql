-- AlterTable
ALTER TABLE "Technician" ADD COLUMN     "role" TEXT NOT NULL DEFAULT 'technician';

-- CreateTable
CREATE TABLE "TechnicianIdentity" (
    "id" TEXT NOT NULL,
    "technicianId" TEXT NOT NULL,
    "desk" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "secretHash" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TechnicianIdentity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StaffInvite" (
    "id" TEXT NOT NULL,
    "technicianId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "purpose" TEXT NOT NULL DEFAULT 'invite',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "StaffInvite_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StaffSession" (
    "id" TEXT NOT NULL,
    "technicianId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "StaffSession_pkey" PRIMARY KEY ("id")
);

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

-- AddForeignKey
ALTER TABLE "TechnicianIdentity" ADD CONSTRAINT "TechnicianIdentity_technicianId_fkey" FOREIGN KEY ("technicianId") REFERENCES "Technician"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffInvite" ADD CONSTRAINT "StaffInvite_technicianId_fkey" FOREIGN KEY ("technicianId") REFERENCES "Technician"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffSession" ADD CONSTRAINT "StaffSession_technicianId_fkey" FOREIGN KEY ("technicianId") REFERENCES "Technician"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Data: Slack users and board passwords become per-desk identities; admins are named with `sportello staff role NAME admin`.
INSERT INTO "TechnicianIdentity" ("id", "technicianId", "desk", "externalId", "secretHash")
SELECT 'mig' || md5(random()::text || "id"), "id", 'slack', "slackUserId", NULL FROM "Technician" WHERE "slackUserId" IS NOT NULL;

INSERT INTO "TechnicianIdentity" ("id", "technicianId", "desk", "externalId", "secretHash")
SELECT 'mig' || md5(random()::text || "id"), "id", 'board', lower("name"), "passwordHash" FROM "Technician";

