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
ALTER TABLE userdesk_users
    DROP COLUMN deleted_at, DROP COLUMN deleted_by, DROP COLUMN password_temporary,
    DROP COLUMN psp_provider, DROP COLUMN psp_account_id, DROP COLUMN psp_can_be_paid,
    DROP COLUMN psp_can_be_paid_out, DROP COLUMN psp_updated_at,
    DROP COLUMN listings_count, DROP COLUMN asker_bookings_count, DROP COLUMN offeror_bookings_count,
    DROP COLUMN reviews_received_count, DROP COLUMN reviews_made_count,
    DROP COLUMN fee_use_standard, DROP COLUMN fee_asker_percent, DROP COLUMN fee_asker_fixed,
    DROP COLUMN fee_offeror_percent, DROP COLUMN fee_offeror_fixed,
    DROP COLUMN id_verified, DROP COLUMN id_verified_at, DROP COLUMN id_verified_by,
    DROP COLUMN email_verified, DROP COLUMN email_verified_at, DROP COLUMN email_verified_by,
    DROP COLUMN phone_verified, DROP COLUMN phone_verified_at, DROP COLUMN phone_verified_by;
