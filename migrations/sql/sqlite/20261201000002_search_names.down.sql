ALTER TABLE userdesk_users DROP COLUMN name_text;
