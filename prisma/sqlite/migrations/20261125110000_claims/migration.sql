-- AlterTable
ALTER TABLE "Message" ADD COLUMN "claimedBy" TEXT;
ALTER TABLE "Message" ADD COLUMN "leaseUntil" DATETIME;

-- AlterTable
ALTER TABLE "Job" ADD COLUMN "claimedBy" TEXT;
ALTER TABLE "Job" ADD COLUMN "leaseUntil" DATETIME;


-- Write probe of /health (one row, rewritten on each check)
CREATE TABLE "_sportello_health" ("id" INTEGER NOT NULL PRIMARY KEY, "at" TEXT NOT NULL);
