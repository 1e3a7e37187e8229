ALTER TABLE userdesk_users DROP COLUMN phone_digits;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN search_text;
