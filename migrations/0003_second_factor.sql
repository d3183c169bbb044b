-- A second sign-in factor for staff: a TOTP secret (RFC 6238) and one-time recovery codes.

alter table staff
    add column totp_secret bytea,
    -- The last 30-second step whose code was used: a code is never accepted twice.
    add column totp_last_step bigint,
    -- A secret shown for enrolment, kept until the first code confirms it.
    add column totp_pending_secret bytea;

create table staff_recovery_code (
    staff_id bigint not null references staff (id),
    code_hash bytea not null,
    used_at timestamptz,
    primary key (staff_id, code_hash)
);
