-- What holds a seat, and what is still in play, written once for every query that asks.
-- (The seat ceiling of a session, min(room, counselors × seats per counselor), lives once in
-- the app's domain code, `seat_capacity`.) Plain SQL functions: the planner inlines them.
create function booking_holds_seat(status booking_status) returns boolean
    language sql immutable parallel safe
    as $$ select status in ('requested', 'confirmed') $$;

create function booking_is_active(status booking_status) returns boolean
    language sql immutable parallel safe
    as $$ select status in ('requested', 'confirmed', 'waitlisted') $$;
