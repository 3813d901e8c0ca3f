-- Work sessions (issue 24): each claim→close and reopen→close of a ticket, with what the customer
-- was told at that close. Tickets closed before this migration have none: the statement reads
-- their charge from the ticket row, as before.
CREATE TABLE "WorkSession" (
    "id" TEXT NOT NULL,
    "ticketId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "technicianId" TEXT,
    "technician" TEXT NOT NULL,
    "mode" TEXT,
    "startedAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3) NOT NULL,
    "minutes" INTEGER NOT NULL,
    "plan" TEXT,
    "basis" TEXT NOT NULL,
    "covered" BOOLEAN NOT NULL,
    "coveredMinutes" INTEGER NOT NULL,
    "billedMinutes" INTEGER NOT NULL,
    "charging" TEXT NOT NULL,
    "lines" TEXT NOT NULL DEFAULT '[]',
    "netCents" INTEGER NOT NULL,
    "vatCents" INTEGER NOT NULL,
    "grossCents" INTEGER NOT NULL,

    CONSTRAINT "WorkSession_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "WorkSession_ticketId_seq_key" ON "WorkSession"("ticketId", "seq");
CREATE INDEX "WorkSession_closedAt_idx" ON "WorkSession"("closedAt");
ALTER TABLE "WorkSession" ADD CONSTRAINT "WorkSession_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
