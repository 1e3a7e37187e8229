DROP TABLE userdesk_id_verifications;
--bun:split
DROP TABLE userdesk_verification_throttle;
--bun:split
DROP TABLE userdesk_verification_messages;
--bun:split
DROP TABLE userdesk_verification_codes;
--bun:split
DROP TABLE userdesk_verification_tokens;
