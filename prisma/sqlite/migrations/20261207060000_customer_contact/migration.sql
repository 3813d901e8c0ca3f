-- Customers' contact details as fields: phone and email were columns already; sign-up now fills
-- them (src/understanding/identityLine.ts). The lines stored whole in "contactName" before are
-- split by this migration's TypeScript step (src/data/contactBackfill.ts), in its transaction.
-- Unknown e-mail senders are looked up by lower("email") on every message: index that
-- expression (not expressible in Prisma's schema, like the outbox's partial index).
CREATE INDEX "Customer_email_lower_idx" ON "Customer"(lower("email"));
