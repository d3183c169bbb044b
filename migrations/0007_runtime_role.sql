-- Two identities: the owner (who runs these migrations) and `groupcare_runtime`, what the app
-- serves as. The runtime role reads and writes the app's tables but owns nothing and makes no
-- DDL, and on the audit log it may only read and append: it cannot update, delete, truncate,
-- switch the guarding triggers off or drop the table. An operator grants it to the login role
-- the app connects as (see the README).
--
-- Roles belong to the whole server, so another database on it may have made this one already.
do $$
begin
    create role groupcare_runtime nologin;
exception
    when duplicate_object or unique_violation then
        null; -- made already (or at this moment, by a migration of another database)
    when insufficient_privilege then
        raise exception using
            message = 'the role groupcare_runtime does not exist and this account may not create roles',
            hint = 'as a superuser run: CREATE ROLE groupcare_runtime NOLOGIN; then migrate again';
end
$$;

-- No DDL for anyone but the owner (PostgreSQL before 15 let everyone create in `public`).
revoke create on schema public from public;
grant usage on schema public to groupcare_runtime;

grant select, insert, update, delete on all tables in schema public to groupcare_runtime;
grant usage, select on all sequences in schema public to groupcare_runtime;
-- The log is read and appended to, never rewritten.
revoke update, delete, truncate on audit_log from groupcare_runtime;
-- The runtime reads which migrations are applied (it refuses to serve an older schema), and
-- changes none.
revoke insert, update, delete, truncate on _sqlx_migrations from groupcare_runtime;
-- Tables and sequences later migrations make get the same rights; a migration that makes a
-- table the runtime must not change revokes them there.
alter default privileges in schema public grant select, insert, update, delete on tables to groupcare_runtime;
alter default privileges in schema public grant usage, select on sequences to groupcare_runtime;

-- The entry's time comes from the database, not from whoever writes the entry.
create or replace function audit_log_chain() returns trigger language plpgsql as $$
declare
    last record;
begin
    -- One writer at a time extends the chain; the lock ends with the transaction.
    perform pg_advisory_xact_lock(hashtext('audit_log_chain'));
    select a.seq, a.hash into last from audit_log a order by a.seq desc limit 1;
    new.at := now();
    new.seq := coalesce(last.seq, 0) + 1;
    new.prev_hash := coalesce(last.hash, '\x'::bytea);
    new.hash := audit_row_digest(new.prev_hash, new.seq, new.at, new.actor_staff_id, new.action,
                                 new.record_type, new.record_id, new.client_addr);
    return new;
end
$$;

-- Secrets in the database (TOTP keys, the manage-link key) are sealed with the key file from
-- now on. The app seals the ones already stored, once, on its first start after this
-- migration, and marks it done here.
insert into app_setting (name, value) values ('secrets_sealed', 'false');
