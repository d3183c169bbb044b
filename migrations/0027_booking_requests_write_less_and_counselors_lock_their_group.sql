-- What every booking request writes and runs, made smaller (issue 10, booking requests under
-- contention); and a change to a group's counselors locks the group, as a request counts them.

-- booking_by_session (0020) repeats booking_session_status (0006) column for column: every
-- booking was written into both, and the planner reads either.
drop index booking_by_session;

-- Without a patient record (every request from the public, until intake matches it) the
-- same-clinic check has nothing to check: the trigger now runs only when there is one.
drop trigger booking_patient_same_clinic on booking;
create trigger booking_patient_same_clinic before insert or update of patient_id, session_id on booking
    for each row when (new.patient_id is not null) execute function booking_patient_same_clinic();

-- A new booking's share of its group's seats, a row at a time like every other change (0021
-- wrote new ones a statement at a time, through a transition table: about 80 µs of every
-- request, for the sake of the scale seeder's 50,000-row statements).
create or replace function booking_seat_counts_changed() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
declare
    gives_held int := 0;
    gives_waiting int := 0;
    takes_held int := 0;
    takes_waiting int := 0;
begin
    if tg_op <> 'INSERT' then
        gives_held := booking_holds_seat(old.status)::int;
        gives_waiting := (old.status = 'waitlisted')::int;
    end if;
    if tg_op <> 'DELETE' then
        takes_held := booking_holds_seat(new.status)::int;
        takes_waiting := (new.status = 'waitlisted')::int;
    end if;
    if tg_op = 'UPDATE' and new.session_id = old.session_id then
        gives_held := gives_held - takes_held;
        gives_waiting := gives_waiting - takes_waiting;
        takes_held := 0;
        takes_waiting := 0;
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

drop trigger booking_seat_counts_inserted on booking;
drop function booking_seat_counts_inserted();
create trigger booking_seat_counts_inserted after insert on booking
    for each row execute function booking_seat_counts_changed();

-- A group's counselors give it its seats, and a request counts them under the group's lock:
-- so a change to them takes that lock too, as the app's own paths do first. A hand edit that
-- did not (an owner's delete) let a request that had counted two counselors give out a seat
-- the group no longer had.
create function session_counselor_locks_the_group() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
begin
    if tg_op <> 'INSERT' then
        perform from session where id = old.session_id for no key update;
    end if;
    if tg_op <> 'DELETE' then
        perform from session where id = new.session_id for no key update;
    end if;
    return null;
end $$;

create trigger session_counselor_locks_the_group after insert or update or delete on session_counselor
    for each row execute function session_counselor_locks_the_group();
