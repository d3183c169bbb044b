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

-- What one booking in `status` adds to its group's counts.
create function booking_seat_share(status booking_status, out held int, out waiting int)
    language sql immutable parallel safe
    as $$ select booking_holds_seat(status)::int, (status = 'waitlisted')::int $$;

-- Adds to a group's counts; a change of nothing writes (and locks) nothing.
create function session_seat_counts_add(session_id bigint, held int, waiting int) returns void
    language sql set search_path = pg_catalog, public, pg_temp
    as $$ update session set seats_held = seats_held + held, places_waiting = places_waiting + waiting
          where id = session_id and (held <> 0 or waiting <> 0) $$;

-- New bookings, a statement at a time: a bulk insert (the scale seeder's 50,000 rows) updates
-- each group once, not once per booking.
create function booking_seat_counts_inserted() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
begin
    perform session_seat_counts_add(i.session_id, sum((booking_seat_share(i.status)).held)::int,
                                    sum((booking_seat_share(i.status)).waiting)::int)
    from inserted i group by i.session_id order by i.session_id;
    return null;
end $$;

create trigger booking_seat_counts_inserted after insert on booking
    referencing new table as inserted
    for each statement execute function booking_seat_counts_inserted();

-- A status change, a move to another group, or a deletion, a row at a time: a status change
-- within one group writes its row once, with the difference.
create function booking_seat_counts_changed() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
declare
    was record := booking_seat_share(old.status);
    now_is record;
begin
    if tg_op = 'DELETE' then
        perform session_seat_counts_add(old.session_id, -was.held, -was.waiting);
        return null;
    end if;
    now_is := booking_seat_share(new.status);
    if new.session_id = old.session_id then
        perform session_seat_counts_add(new.session_id, now_is.held - was.held, now_is.waiting - was.waiting);
    else
        perform session_seat_counts_add(old.session_id, -was.held, -was.waiting);
        perform session_seat_counts_add(new.session_id, now_is.held, now_is.waiting);
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
