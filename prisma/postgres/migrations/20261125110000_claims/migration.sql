-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "claimedBy" TEXT,
ADD COLUMN     "leaseUntil" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "claimedBy" TEXT,
ADD COLUMN     "leaseUntil" TIMESTAMP(3);


-- Write probe of /health (one row, rewritten on each check)
CREATE TABLE "_sportello_health" ("id" INTEGER NOT NULL PRIMARY KEY, "at" TEXT NOT NULL);
