-- Each audit row also carries the app's seal: an HMAC of its position and hash under the key
-- file's key, which the database never holds. The chain alone can be recomputed by whoever
-- owns the database; a seal cannot be made without the key. Signed checkpoints pin every row
-- up to them, and seals every row written since, so the owner can neither rewrite nor forge an
-- entry unseen. Rows written before this migration carry none (the first checkpoint after it
-- pins them).
create table audit_seal (
    seq bigint primary key,
    mac bytea not null
);
-- Like the log itself: read and appended to by the app, never rewritten.
revoke update, delete, truncate on audit_seal from groupcare_runtime;
-- The log's own refusal serves both tables; it names the table it guards.
create or replace function audit_log_refuse_change() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
begin
    raise exception '% is append-only', tg_table_name;
end
$$;
create trigger audit_seal_no_update before update or delete on audit_seal
    for each row execute function audit_log_refuse_change();
create trigger audit_seal_no_truncate before truncate on audit_seal
    for each statement execute function audit_log_refuse_change();

-- The chain starts at position 1; no row can hide before it.
alter table audit_log add constraint audit_log_seq_positive check (seq > 0);
