-- Each group's seats held and places waiting, kept on its row. A request is decided under the
-- group's lock, and counting the group's bookings there took time in proportion to its
-- waitlist (1.6 ms at 1,800 waiting), with every other request for the group queued behind it.
-- Kept by the database from every change to a booking, so no code path can forget them, and
-- written by nothing else (see session_seat_counts_are_kept below).
alter table session
    add column seats_held int not null default 0 check (seats_held >= 0),
    add column places_waiting int not null default 0 check (places_waiting >= 0);

update session s set seats_held = c.held, places_waiting = c.waiting
from (select session_id,
             count(*) filter (where booking_holds_seat(status)) as held,
             count(*) filter (where status = 'waitlisted') as waiting
      from booking group by session_id) c
where c.session_id = s.id;

-- New bookings, a statement at a time: a bulk insert (the scale seeder's 50,000 rows) updates
-- each group once, not once per booking. (Plain statements, not calls of SQL functions: a SQL
-- function called from a trigger is parsed again on every call, and this runs on every request.)
create function booking_seat_counts_inserted() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
begin
    update session s set seats_held = s.seats_held + c.held, places_waiting = s.places_waiting + c.waiting
    from (select session_id,
                 count(*) filter (where booking_holds_seat(status))::int as held,
                 count(*) filter (where status = 'waitlisted')::int as waiting
          from inserted group by session_id) c
    where s.id = c.session_id and (c.held <> 0 or c.waiting <> 0);
    return null;
end $$;

create trigger booking_seat_counts_inserted after insert on booking
    referencing new table as inserted
    for each statement execute function booking_seat_counts_inserted();

-- A status change, a move to another group, or a deletion, a row at a time: the group the
-- booking leaves gives back its old share, the group it is in now takes its new one; within one
-- group, only the difference is written. A change of nothing writes (and locks) nothing.
create function booking_seat_counts_changed() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
declare
    gives_held int := booking_holds_seat(old.status)::int;
    gives_waiting int := (old.status = 'waitlisted')::int;
    takes_held int := 0;
    takes_waiting int := 0;
begin
    if tg_op = 'UPDATE' then
        takes_held := booking_holds_seat(new.status)::int;
        takes_waiting := (new.status = 'waitlisted')::int;
        if new.session_id = old.session_id then
            gives_held := gives_held - takes_held;
            gives_waiting := gives_waiting - takes_waiting;
            takes_held := 0;
            takes_waiting := 0;
        end if;
    end if;
    if gives_held <> 0 or gives_waiting <> 0 then
        update session set seats_held = seats_held - gives_held, places_waiting = places_waiting - gives_waiting
        where id = old.session_id;
    end if;
    if takes_held <> 0 or takes_waiting <> 0 then
        update session set seats_held = seats_held + takes_held, places_waiting = places_waiting + takes_waiting
        where id = new.session_id;
    end if;
    return null;
end $$;

create trigger booking_seat_counts_changed after update of status, session_id on booking
    for each row when (old.status is distinct from new.status or old.session_id is distinct from new.session_id)
    execute function booking_seat_counts_changed();

create trigger booking_seat_counts_deleted after delete on booking
    for each row execute function booking_seat_counts_changed();

-- Only the triggers above write the counts: a statement that sets them directly (the app's
-- role, or an owner's hand edit) would let a group be overbooked, so it is refused.
create function session_seat_counts_are_kept() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
begin
    if new.seats_held is distinct from old.seats_held or new.places_waiting is distinct from old.places_waiting then
        raise exception using
            errcode = 'check_violation',
            constraint = 'session_seat_counts_are_kept',
            message = 'a group''s seat counts are kept by the database from its bookings';
    end if;
    return new;
end $$;

create trigger session_seat_counts_are_kept before update of seats_held, places_waiting on session
    for each row when (pg_trigger_depth() = 0)
    execute function session_seat_counts_are_kept();

-- A new group has no bookings yet, whatever its insert says.
create function session_seat_counts_start_at_zero() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
begin
    new.seats_held := 0;
    new.places_waiting := 0;
    return new;
end $$;

create trigger session_seat_counts_start_at_zero before insert on session
    for each row execute function session_seat_counts_start_at_zero();

-- Emptying the bookings table (only its owner can) empties every group.
create function booking_seat_counts_truncated() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
begin
    update session set seats_held = 0, places_waiting = 0 where seats_held <> 0 or places_waiting <> 0;
    return null;
end $$;

create trigger booking_seat_counts_truncated after truncate on booking
    for each statement execute function booking_seat_counts_truncated();

-- Whether a phone already has a booking in a group: found by both, never by walking the group's
-- bookings (the group's index with a filter on the phone read its whole waitlist, 2.9 ms at
-- 2,800 waiting). It also serves every lookup by phone alone, which the old index did.
create index booking_phone_session on booking (phone, session_id);
drop index booking_phone;
