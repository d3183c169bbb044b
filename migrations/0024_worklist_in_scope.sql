-- The worklist is worked out for the clinics asked about only. Its cost follows the open
-- bookings it looks at (their last event, their last call, each one's weekly place), and the
-- clinics filter was applied by the caller, after every clinic's bookings had been looked at:
-- an intake worker of one clinic paid for all of them. Given here, it narrows the groups
-- before anything is looked up (null: every clinic, as an administrator sees it).

create function worklist_attention(now timestamptz, moved_reason text, follow_up_days int, clinic_ids bigint[])
returns table (booking_id bigint, attention text)
-- A worklist is some dozens of rows: said, so the queries joining it look its bookings up by id.
language sql stable rows 100
set search_path = pg_catalog, public, pg_temp
as $$
    -- Only the bookings a reason can apply to, each found by an index: seats held and missed
    -- (a group's seats each), the bookings of groups the clinic cancelled, unmatched walk-ins.
    -- Never the cancelled, declined and attended bookings of every group, which grow without
    -- bound.
    with candidates as (
        select b.id, b.status, b.source, b.patient_id, b.membership_id, b.session_id from booking b
        where b.status in ('requested', 'confirmed', 'no_show')
        union
        select b.id, b.status, b.source, b.patient_id, b.membership_id, b.session_id
        from session s join booking b on b.session_id = s.id
        where s.status = 'cancelled' and b.status = 'cancelled'
          and s.starts_at > now - make_interval(days => follow_up_days)
        union
        select b.id, b.status, b.source, b.patient_id, b.membership_id, b.session_id from booking b
        where b.source = 'walk_in' and b.patient_id is null
    )
    select b.id, w.attention
    from candidates b join session s on s.id = b.session_id
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
      and (clinic_ids is null or s.clinic_id = any(clinic_ids))
$$;

drop function worklist_attention(timestamptz, text, int);
