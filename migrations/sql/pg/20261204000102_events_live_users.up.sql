-- Ingest checks each batch's users against the live ones (usermgmt/activity
-- RecordEvents: SELECT id … WHERE id = ANY(…) AND deleted_at IS NULL). From
-- this index, small enough to stay in shared_buffers at a million users,
-- PostgreSQL answers it by an index-only scan, instead of reading one page
-- of the wide users table per user of the batch.
CREATE INDEX userdesk_users_live_id_idx ON userdesk_users (id) WHERE deleted_at IS NULL;
