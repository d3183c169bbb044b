-- What the person's own page and their calendar need: why the clinic cancelled a group (a kind
-- the patient may read, apart from staff's own words in the history), and a change counter per
-- booking and per session for calendar files (SEQUENCE must rise with every change).

alter table session add column cancel_kind text
    check (cancel_kind in ('clinic_closed', 'leader_unavailable', 'room_unavailable', 'schedule_changed', 'other'));

alter table booking add column calendar_sequence int not null default 0;
alter table session add column calendar_sequence int not null default 0;

-- Kept by the database, so no code path that changes a booking or a group can forget it.
create function booking_calendar_changed() returns trigger language plpgsql as $$
begin
    new.calendar_sequence := old.calendar_sequence + 1;
    return new;
end $$;

create trigger booking_calendar_changed before update on booking for each row
    when (old.status is distinct from new.status or old.session_id is distinct from new.session_id)
    execute function booking_calendar_changed();

create function session_calendar_changed() returns trigger language plpgsql as $$
begin
    new.calendar_sequence := old.calendar_sequence + 1;
    -- Every booking's calendar file shows the group's time and state too.
    update booking set calendar_sequence = calendar_sequence + 1 where session_id = new.id;
    return new;
end $$;

create trigger session_calendar_changed before update on session for each row
    when (old.starts_at is distinct from new.starts_at or old.ends_at is distinct from new.ends_at
          or old.status is distinct from new.status)
    execute function session_calendar_changed();

-- A counselor's private calendar feed of the groups they lead: only the token's digest is kept.
create table calendar_feed (
    staff_id bigint primary key references staff (id),
    token_hash bytea not null unique,
    created_at timestamptz not null
);

-- Which worker holds a claimed message: a worker records a try only while the message is still
-- its own (one that took longer than its lease may have lost it to another instance).
alter table message add column lease_holder text;
