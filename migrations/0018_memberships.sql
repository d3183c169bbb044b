-- "Join every week": a person's place in a weekly series. It starts from one booking (the
-- request they made, `origin_booking_id`, whose manage link and reference are the
-- membership's); each later occurrence of the series gets a booking of its own for them
-- (`booking.membership_id`), under the same seat rules as any request. Intake confirms the
-- membership once: from then on its new occurrences are confirmed when a seat is free.
create table membership (
    id bigint generated always as identity primary key,
    series_id bigint not null references series (id),
    origin_booking_id bigint not null unique references booking (id),
    -- requested: waiting for intake; active: confirmed; ended: left, declined or ended by staff.
    status text not null check (status in ('requested', 'active', 'ended')),
    created_at timestamptz not null,
    ended_at timestamptz,
    check ((status = 'ended') = (ended_at is not null))
);
create index membership_series_open on membership (series_id, id) where status <> 'ended';

alter table booking add column membership_id bigint references membership (id);
create index booking_membership on booking (membership_id, session_id) where membership_id is not null;

-- A membership waiting for intake is one call, not one per week: the worklist shows its
-- soonest week still undecided as new (confirming it confirms them all), the others not.
-- Otherwise as in 0017.
create or replace function worklist_attention(now timestamptz, moved_reason text, follow_up_days int)
returns table (booking_id bigint, attention text)
language sql stable
set search_path = pg_catalog, public, pg_temp
as $$
    select b.id, w.attention
    from booking b join session s on s.id = b.session_id
    left join lateral (
        select e.from_status, e.actor, e.at, e.reason from booking_event e
        where e.booking_id = b.id order by e.id desc limit 1) e on true
    left join lateral (
        select max(ca.at) as at from contact_attempt ca where ca.booking_id = b.id) ca on true
    cross join lateral (
        select case
          when b.status = 'cancelled' and s.status = 'cancelled' and e.actor <> 'patient'
               and (ca.at is null or ca.at < e.at) then 'group_cancelled'
          when b.status = 'no_show' and (ca.at is null or ca.at < e.at) then 'no_show'
          when b.source = 'walk_in' and b.patient_id is null and ca.at is null then 'walk_in'
          when b.status in ('requested', 'confirmed') and e.reason like moved_reason || '%'
               and (ca.at is null or ca.at < e.at) then 'moved'
          when b.status = 'requested' and s.starts_at > now and e.from_status = 'waitlisted' then 'promoted'
          when b.status = 'requested' and s.starts_at > now
               and not exists (select 1 from booking o join session os on os.id = o.session_id
                               where o.membership_id = b.membership_id and o.status = 'requested'
                                 and os.starts_at > now and os.starts_at < s.starts_at) then 'new'
        end as attention) w
    where w.attention is not null
      and b.status in ('requested', 'confirmed', 'cancelled', 'no_show', 'attended')
      and s.starts_at > now - make_interval(days => follow_up_days)
$$;
