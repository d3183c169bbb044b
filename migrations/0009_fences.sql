-- Fences the first review of the runtime role found missing.

-- The functions the triggers run resolve names on a fixed path with pg_temp last: a session's
-- temporary table named like a real one (audit_log, patient, session) cannot stand in for it
-- and, say, hand the audit chain a forged predecessor.
alter function audit_row_digest(bytea, bigint, timestamptz, bigint, text, text, bigint, text)
    set search_path = pg_catalog, public, pg_temp;
alter function audit_log_chain() set search_path = pg_catalog, public, pg_temp;
alter function audit_log_refuse_change() set search_path = pg_catalog, public, pg_temp;
alter function booking_patient_same_clinic() set search_path = pg_catalog, public, pg_temp;

-- groupcare_runtime is one role for the whole server, and a server may hold several groupcare
-- databases (one per program). So each database is closed to everyone not granted CONNECT on
-- it by name: the operator grants it to the one login that serves it, and a login of another
-- database cannot reach this one's patients. Nobody makes temporary tables here either.
do $$
begin
    execute format('revoke connect, temporary on database %I from public', current_database());
end
$$;

-- Where each staff member signed in successfully lately (HMACs of the account with the
-- address, under the key file's key): while an account is over its hourly cap on attempts, the
-- person's own usual addresses may still try, so a guesser spread over many addresses cannot
-- lock them out.
create table staff_known_address (
    key_hash bytea primary key,
    last_sign_in_at timestamptz not null
);
