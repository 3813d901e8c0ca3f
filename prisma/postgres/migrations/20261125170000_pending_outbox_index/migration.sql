-- A chat's pending outbound messages, found without reading the rest of its transcript or the
-- index entries every sent message leaves under "pending" until VACUUM: the check before rows
-- are inserted claimed and the outbox claim read only this. A partial index, which Prisma's
-- schema cannot express, so it lives here (PostgreSQL only; SQLite claims through Prisma).
CREATE INDEX "Message_pending_outbound_idx" ON "Message" ("channel", "chatId", "at") WHERE "direction" = 'out' AND "status" = 'pending';
