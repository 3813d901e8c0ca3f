-- Columns nothing reads any more: Ticket.deskRef (desk references are TicketDeskRef rows),
-- Technician.slackUserId (Slack users are TechnicianIdentity rows), Technician.passwordHash and
-- Technician.tokenHash (board passwords and sessions are TechnicianIdentity/StaffSession rows).
DROP INDEX IF EXISTS "Technician_slackUserId_key";
DROP INDEX IF EXISTS "Technician_tokenHash_key";
ALTER TABLE "Technician" DROP COLUMN "slackUserId";
ALTER TABLE "Technician" DROP COLUMN "passwordHash";
ALTER TABLE "Technician" DROP COLUMN "tokenHash";
ALTER TABLE "Ticket" DROP COLUMN "deskRef";
