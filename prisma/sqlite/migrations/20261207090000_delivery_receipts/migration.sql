-- Delivery statuses a platform reports for sent messages (WhatsApp Cloud API: sent, delivered,
-- read, failed), keyed by the platform's message id; additive.
-- CreateTable
CREATE TABLE "DeliveryReceipt" (
    "channel" TEXT NOT NULL,
    "platformMessageId" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "messageId" TEXT,
    "status" TEXT,
    "error" TEXT,
    "at" DATETIME NOT NULL,

    PRIMARY KEY ("channel", "platformMessageId")
);

-- CreateIndex
CREATE INDEX "DeliveryReceipt_messageId_idx" ON "DeliveryReceipt"("messageId");
