DROP TABLE userdesk_guest_roles;
--bun:split
DROP TABLE userdesk_guests;
--bun:split
DROP TABLE userdesk_user_categories;
--bun:split
DROP TABLE userdesk_categories;
--bun:split
DROP TABLE userdesk_bank_accounts;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN deleted_at;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN deleted_by;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN password_temporary;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN psp_provider;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN psp_account_id;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN psp_can_be_paid;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN psp_can_be_paid_out;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN psp_updated_at;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN listings_count;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN asker_bookings_count;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN offeror_bookings_count;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN reviews_received_count;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN reviews_made_count;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN fee_use_standard;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN fee_asker_percent;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN fee_asker_fixed;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN fee_offeror_percent;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN fee_offeror_fixed;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN id_verified;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN id_verified_at;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN id_verified_by;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN email_verified;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN email_verified_at;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN email_verified_by;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN phone_verified;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN phone_verified_at;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN phone_verified_by;
