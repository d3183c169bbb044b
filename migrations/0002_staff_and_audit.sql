-- Staff accounts, their sessions, login throttling, settings, and the append-only audit log.

create type staff_role as enum ('admin', 'intake', 'counselor');

create table staff (
    id bigint generated always as identity primary key,
    email text not null,
    password_hash text not null,          -- Argon2id, PHC string
    role staff_role not null,
    counselor_id bigint references counselor (id),
    active boolean not null default true,
    created_at timestamptz not null default now(),
    -- A counselor account is always linked to the counselor it is.
    check ((role = 'counselor') = (counselor_id is not null))
);
create unique index staff_email_unique on staff (lower(email));

-- The clinics an intake account works for.
create table staff_clinic (
    staff_id bigint not null references staff (id),
    clinic_id bigint not null references clinic (id),
    primary key (staff_id, clinic_id)
);

-- Signed-in staff. The cookie holds a random token; only its SHA-256 is kept here.
create table staff_session (
    token_hash bytea primary key,
    staff_id bigint not null references staff (id),
    csrf_token text not null,
    created_at timestamptz not null,
    last_seen_at timestamptz not null
);
create index staff_session_by_staff on staff_session (staff_id);

-- Failed logins per account and per client address (both hashed), for slowing and locking.
create table login_throttle (
    key_hash bytea primary key,
    failures integer not null,
    last_failure_at timestamptz not null,
    locked_until timestamptz
);

-- Settings an administrator can change.
create table app_setting (
    name text primary key,
    value text not null
);
insert into app_setting (name, value) values ('require_second_factor', 'true');

-- Who did what to which record, when and from where: ids, never names. Each row's hash
-- covers the previous row's hash, so a row changed or removed behind the app's back breaks
-- the chain (`groupcare audit verify`). The database refuses UPDATE, DELETE and TRUNCATE.
create table audit_log (
    id bigint generated always as identity primary key,
    seq bigint not null unique,          -- the chain's order, assigned under a lock
    at timestamptz not null default now(),
    actor_staff_id bigint,               -- null: no known account (e.g. a failed login)
    action text not null,
    record_type text,
    record_id bigint,
    client_addr text,
    prev_hash bytea not null,
    hash bytea not null
);
create index audit_log_by_actor on audit_log (actor_staff_id, at);
create index audit_log_by_record on audit_log (record_type, record_id, at);

create function audit_row_digest(
    prev bytea, seq bigint, at timestamptz, actor bigint, action text,
    record_type text, record_id bigint, client_addr text
) returns bytea language sql stable as $$
    select sha256(prev || convert_to(concat_ws('|',
        seq::text,
        to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(actor::text, ''), action, coalesce(record_type, ''),
        coalesce(record_id::text, ''), coalesce(client_addr, '')), 'UTF8'))
$$;

create function audit_log_chain() returns trigger language plpgsql as $$
declare
    last record;
begin
    -- One writer at a time extends the chain; the lock ends with the transaction.
    perform pg_advisory_xact_lock(hashtext('audit_log_chain'));
    select a.seq, a.hash into last from audit_log a order by a.seq desc limit 1;
    new.seq := coalesce(last.seq, 0) + 1;
    new.prev_hash := coalesce(last.hash, '\x'::bytea);
    new.hash := audit_row_digest(new.prev_hash, new.seq, new.at, new.actor_staff_id, new.action,
                                 new.record_type, new.record_id, new.client_addr);
    return new;
end
$$;
create trigger audit_log_chain before insert on audit_log
    for each row execute function audit_log_chain();

create function audit_log_refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'audit_log is append-only';
end
$$;
create trigger audit_log_no_update before update or delete on audit_log
    for each row execute function audit_log_refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_refuse_change();
