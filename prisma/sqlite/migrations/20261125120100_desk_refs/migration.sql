-- CreateTable
CREATE TABLE "TicketDeskRef" (
    "ticketId" TEXT NOT NULL,
    "desk" TEXT NOT NULL,
    "ref" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("ticketId", "desk"),
    CONSTRAINT "TicketDeskRef_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);


-- Data: the one desk that stored a reference until now is Slack (its card's channel and ts).
INSERT INTO "TicketDeskRef" ("ticketId", "desk", "ref", "updatedAt")
SELECT "id", 'slack', "deskRef", CURRENT_TIMESTAMP FROM "Ticket" WHERE "deskRef" IS NOT NULL;
