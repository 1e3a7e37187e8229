-- Search columns, normalised in Go (lowercase, NFKD without marks) so the
-- database never has to agree with Go on collation: search_text holds the
-- names, email and company; phone_digits the phone's digits only.
ALTER TABLE userdesk_users ADD COLUMN search_text text NOT NULL DEFAULT '';
--bun:split
ALTER TABLE userdesk_users ADD COLUMN phone_digits text NOT NULL DEFAULT '';
