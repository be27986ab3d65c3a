-- Issue 16 item 1: a sign-in starts from a phone number, so the roster finds members by their
-- numbers (each number is looked up as typed, after normalising to E.164).
CREATE INDEX contacts_whatsapp ON contacts (whatsapp) WHERE whatsapp IS NOT NULL;
CREATE INDEX contacts_sms ON contacts (sms) WHERE sms IS NOT NULL;
