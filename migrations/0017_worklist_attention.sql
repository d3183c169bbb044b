-- Why each booking is on intake's worklist, in one place: the worklist and its counts per reason
-- both read it. At `now`: bookings of groups from `follow_up_days` back on, each with the first
-- reason that applies (see `domain::booking::Attention`). `moved_reason` is how a move begins its
-- history line (`store::bookings::MOVED_REASON`). A follow-up leaves once a call is logged after
-- what happened.
create function worklist_attention(now timestamptz, moved_reason text, follow_up_days int)
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
          when b.status = 'requested' and s.starts_at > now then 'new'
        end as attention) w
    where w.attention is not null
      and b.status in ('requested', 'confirmed', 'cancelled', 'no_show', 'attended')
      and s.starts_at > now - make_interval(days => follow_up_days)
$$;
