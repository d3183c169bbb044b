-- Every time on a page is drawn in its clinic's time zone, and the pages read the zone with
-- each group: a clinic row whose zone is not a real one (a typo in a hand-written UPDATE)
-- failed every public page of every clinic, not just its own. The app only ever saves a zone
-- from the time zone database; the database now refuses any other, whoever writes it. Names
-- are matched exactly as listed (the app reads them case-sensitively), so an abbreviation
-- ('PST') or a POSIX rule ('EST5EDT,M3.2.0,M11.1.0'), which PostgreSQL would take in
-- AT TIME ZONE but the app could not read, is refused too.
create function clinic_time_zone_known() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
begin
    if not exists (select 1 from pg_timezone_names where name = new.time_zone) then
        raise exception 'unknown time zone for a clinic: %', new.time_zone
            using errcode = 'check_violation',
                  hint = 'Use a name from the time zone database, such as America/Los_Angeles.';
    end if;
    return new;
end
$$;
create trigger clinic_time_zone_known before insert or update of time_zone on clinic
    for each row execute function clinic_time_zone_known();
