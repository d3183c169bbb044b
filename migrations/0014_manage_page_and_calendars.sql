-- What the person's own page and their calendar need: why the clinic cancelled a group (a kind
-- the patient may read, apart from staff's own words in the history), and change counters for
-- calendar files (SEQUENCE must rise with every change).

alter table session add column cancel_kind text
    check (cancel_kind in ('clinic_closed', 'leader_unavailable', 'room_unavailable', 'schedule_changed', 'other'));

-- A booking's SEQUENCE is its own counter plus its group's. Each row keeps its own, so a change
-- to a group locks no booking rows (and cannot deadlock with changes to bookings). Kept by the
-- database, so no code path that changes a booking or a group can forget it.
alter table booking add column calendar_sequence int not null default 0;
alter table session add column calendar_sequence int not null default 0;

create function session_calendar_changed() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
begin
    new.calendar_sequence := old.calendar_sequence + 1;
    return new;
end $$;

create trigger session_calendar_changed before update on session for each row
    when (old.starts_at is distinct from new.starts_at or old.ends_at is distinct from new.ends_at
          or old.status is distinct from new.status)
    execute function session_calendar_changed();

-- A status change raises the booking's counter by one. A move to another group raises the sum
-- by one as well: the old group's counter is given back and the new one's taken off.
create function booking_calendar_changed() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
begin
    new.calendar_sequence := old.calendar_sequence + 1;
    if new.session_id is distinct from old.session_id then
        new.calendar_sequence := new.calendar_sequence
            + (select calendar_sequence from session where id = old.session_id)
            - (select calendar_sequence from session where id = new.session_id);
    end if;
    return new;
end $$;

create trigger booking_calendar_changed before update on booking for each row
    when (old.status is distinct from new.status or old.session_id is distinct from new.session_id)
    execute function booking_calendar_changed();

-- A counselor's private calendar feed of the groups they lead: only the token's digest is kept.
create table calendar_feed (
    staff_id bigint primary key references staff (id),
    token_hash bytea not null unique,
    created_at timestamptz not null
);

-- Which worker holds a claimed message: a worker records a try only while the message is still
-- its own (one that took longer than its lease may have lost it to another instance).
alter table message add column lease_holder text;
