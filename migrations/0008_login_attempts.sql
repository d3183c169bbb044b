-- Sign-in throttling counts attempts, not failures: each attempt is counted (atomically)
-- before its password is checked, so many at once cannot slip past the limit. Each key (an
-- account at an address, an account, an address; all HMACs) has its own limit and window.
drop table login_throttle;
create table login_throttle (
    key_hash bytea primary key,
    attempts integer not null,
    window_start timestamptz not null,
    window_seconds integer not null check (window_seconds > 0),
    max_attempts integer not null check (max_attempts > 0),
    -- While refused, one audit entry per key and window, however many attempts come.
    refusal_audited boolean not null default false
);
