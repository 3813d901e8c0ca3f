-- The pager (issue 23): technicians' ordered ways to be reached, pages and their attempts, the weekly
-- rota and one-off swaps. Additive only.
-- AlterTable
ALTER TABLE "OnCallShift" ADD COLUMN     "replacesId" TEXT;

-- CreateTable
CREATE TABLE "OnCallWeekly" (
    "id" TEXT NOT NULL,
    "technicianId" TEXT NOT NULL,
    "weekday" INTEGER NOT NULL,
    "startTime" TEXT NOT NULL,
    "endTime" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "OnCallWeekly_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TechnicianContact" (
    "id" TEXT NOT NULL,
    "technicianId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "address" TEXT,
    "linkCode" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TechnicianContact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Page" (
    "id" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "ticket" TEXT,
    "text" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "step" INTEGER NOT NULL DEFAULT 0,
    "ackedBy" TEXT,
    "ackedVia" TEXT,
    "ackedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Page_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PageAttempt" (
    "id" TEXT NOT NULL,
    "pageId" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "technicianId" TEXT,
    "technician" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "address" TEXT,
    "outcome" TEXT NOT NULL,
    "error" TEXT,
    "ref" TEXT,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PageAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "OnCallWeekly_weekday_idx" ON "OnCallWeekly"("weekday");

-- CreateIndex
CREATE UNIQUE INDEX "TechnicianContact_linkCode_key" ON "TechnicianContact"("linkCode");

-- CreateIndex
CREATE INDEX "TechnicianContact_technicianId_position_idx" ON "TechnicianContact"("technicianId", "position");

-- CreateIndex
CREATE INDEX "Page_ticket_idx" ON "Page"("ticket");

-- CreateIndex
CREATE INDEX "Page_status_idx" ON "Page"("status");

-- CreateIndex
CREATE INDEX "PageAttempt_pageId_idx" ON "PageAttempt"("pageId");

-- CreateIndex
CREATE INDEX "PageAttempt_ref_idx" ON "PageAttempt"("ref");

-- AddForeignKey
ALTER TABLE "OnCallWeekly" ADD CONSTRAINT "OnCallWeekly_technicianId_fkey" FOREIGN KEY ("technicianId") REFERENCES "Technician"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TechnicianContact" ADD CONSTRAINT "TechnicianContact_technicianId_fkey" FOREIGN KEY ("technicianId") REFERENCES "Technician"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PageAttempt" ADD CONSTRAINT "PageAttempt_pageId_fkey" FOREIGN KEY ("pageId") REFERENCES "Page"("id") ON DELETE CASCADE ON UPDATE CASCADE;

