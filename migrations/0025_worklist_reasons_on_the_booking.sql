-- Why each booking is on intake's worklist, kept on its row. The worklist worked every open
-- booking's reason out on every view (its last event, its last call): ~12 µs each, 18–45 ms a
-- view with a full year's groups, and the view's cost grew with the bookings still open. Kept
-- by the database from every change a reason depends on, as the seat counts are (0021), a view
-- reads the reasons of the groups it shows, by index, in the worklist's order, and stops at a
-- page.
--
-- `booking.attention` is the reason as far as it does not depend on the time: 'promoted' and
-- 'new' hold only while the group is ahead, and 'new' only for a weekly place's first request
-- ahead; `worklist_now` below adds those and the follow-up window. The reasons, in order (the
-- first that applies; see `domain::booking::Attention`):
--   group_cancelled  cancelled with the group by the clinic, no call logged since
--   no_show          marked absent, no call logged since
--   walk_in          came without a booking, not matched to a record, never called
--   moved            held and moved to another group by staff, no call logged since
--   promoted         asked for, up from the waitlist
--   new              asked for, not decided
alter table booking add column attention text
    check (attention in ('group_cancelled', 'no_show', 'walk_in', 'moved', 'promoted', 'new'));

-- How a move begins its history line ("moved from session 12"), in one place: the move writes
-- it (`store::bookings`) and the reasons below find moves by it.
create function booking_moved_reason() returns text language sql immutable parallel safe
    as $$ select 'moved from session ' $$;

-- The reason of a booking with these fields, from its last event, its last call and, when
-- cancelled, its group's status. Volatile on purpose: each query inside reads what is committed
-- when it runs, after the caller's row lock, not the snapshot of the statement that fired it.
-- That holds under read committed only (a repeatable read transaction reads its first
-- snapshot, and would keep a reason worked out without a call or event committed since), so
-- a change under another isolation level is refused; the app uses read committed throughout.
create function booking_attention(booking_id bigint, status booking_status, source text, patient_id bigint,
                                  session_id bigint)
returns text language plpgsql
set search_path = pg_catalog, public, pg_temp as $$
declare
    event_from booking_status;
    event_actor text;
    event_at timestamptz;
    event_reason text;
    last_call timestamptz;
    not_called_since boolean;
begin
    if current_setting('transaction_isolation') <> 'read committed' then
        raise exception using
            errcode = 'feature_not_supported',
            message = 'bookings, their history and their calls change under read committed only',
            hint = 'the worklist''s reasons are kept from what is committed when a change is made';
    end if;
    if status not in ('requested', 'confirmed', 'cancelled', 'no_show', 'attended') then
        return null;
    end if;
    select e.from_status, e.actor, e.at, e.reason into event_from, event_actor, event_at, event_reason
    from booking_event e where e.booking_id = booking_attention.booking_id order by e.id desc limit 1;
    select max(ca.at) into last_call from contact_attempt ca where ca.booking_id = booking_attention.booking_id;
    -- A follow-up is settled by a call logged after what happened last.
    not_called_since := last_call is null or coalesce(last_call < event_at, false);
    if status = 'cancelled' and coalesce(event_actor <> 'patient', false) and not_called_since
       and (select s.status = 'cancelled' from session s where s.id = booking_attention.session_id) then
        return 'group_cancelled';
    elsif status = 'no_show' and not_called_since then
        return 'no_show';
    elsif source = 'walk_in' and patient_id is null and last_call is null then
        return 'walk_in';
    elsif status in ('requested', 'confirmed') and coalesce(event_reason like booking_moved_reason() || '%', false)
          and not_called_since then
        return 'moved';
    elsif status = 'requested' and event_from is not distinct from 'waitlisted' then
        return 'promoted';
    elsif status = 'requested' then
        return 'new';
    end if;
    return null;
end $$;

-- A booking's own row: written, the reason is worked out again. Whatever a statement sets the
-- reason to (the app, or an owner's hand edit hiding someone from the worklist), the database's
-- reason is kept.
create function booking_attention_kept() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
begin
    new.attention := booking_attention(new.id, new.status, new.source, new.patient_id, new.session_id);
    return new;
end $$;

create trigger booking_attention_kept before insert or update of status, source, patient_id, session_id, attention
    on booking for each row execute function booking_attention_kept();

-- A booking's events and calls: a new one (or an owner's edit or deletion of one) changes the
-- reason of its booking. Worked out under the booking's row lock (so two changes at once cannot
-- each miss the other's), and written only if it changed.
create function booking_attention_after_history() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
declare
    bookings bigint[] := '{}';
    changed bigint;
    kept text;
    now_due text;
begin
    if tg_op <> 'DELETE' then
        bookings := array[new.booking_id];
    end if;
    if tg_op <> 'INSERT' and not old.booking_id = any(bookings) then
        bookings := bookings || old.booking_id;
    end if;
    foreach changed in array bookings loop
        -- Locked first, then read: the reading statement sees what committed while it waited.
        perform from booking b where b.id = changed for no key update;
        continue when not found;
        select b.attention, booking_attention(b.id, b.status, b.source, b.patient_id, b.session_id)
        into kept, now_due
        from booking b where b.id = changed;
        if now_due is distinct from kept then
            update booking set attention = now_due where id = changed;
        end if;
    end loop;
    return null;
end $$;

create trigger booking_event_attention after insert or update or delete on booking_event
    for each row execute function booking_attention_after_history();

create trigger contact_attempt_attention after insert or update or delete on contact_attempt
    for each row execute function booking_attention_after_history();

-- A group cancelled (or restored) changes the reason of its cancelled bookings. Every booking
-- of the group is locked first (a change to one under way is waited for), then read: one
-- cancelled meanwhile is seen with the group's new status. (A change to a booking reads its
-- group's status after its own lock: the group's change, if later, then waits for it here.)
create function session_status_attention() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
begin
    perform from booking b where b.session_id = new.id for no key update;
    update booking b set attention = booking_attention(b.id, b.status, b.source, b.patient_id, b.session_id)
    where b.session_id = new.id and b.status = 'cancelled'
      and b.attention is distinct from booking_attention(b.id, b.status, b.source, b.patient_id, b.session_id);
    return null;
end $$;

create trigger session_status_attention after update of status on session
    for each row when (old.status is distinct from new.status)
    execute function session_status_attention();

-- Every booking a reason may apply to (cancelled with a cancelled group, missed, an unmatched
-- walk-in, held; any other's reason is null), worked out again and written where it changed:
-- below, for the bookings made before the column, and after the owner empties the events or
-- the calls.
create function booking_attention_recheck_all() returns void language sql
    set search_path = pg_catalog, public, pg_temp as $$
    update booking b set attention = booking_attention(b.id, b.status, b.source, b.patient_id, b.session_id)
    where (b.status in ('requested', 'confirmed', 'no_show') or (b.source = 'walk_in' and b.patient_id is null)
           or (b.status = 'cancelled' and exists (select 1 from session s where s.id = b.session_id and s.status = 'cancelled')))
      and b.attention is distinct from booking_attention(b.id, b.status, b.source, b.patient_id, b.session_id)
$$;

create function booking_attention_after_truncate() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
begin
    perform booking_attention_recheck_all();
    return null;
end $$;

create trigger booking_event_truncated after truncate on booking_event
    for each statement execute function booking_attention_after_truncate();

create trigger contact_attempt_truncated after truncate on contact_attempt
    for each statement execute function booking_attention_after_truncate();

select booking_attention_recheck_all();

-- The worklist's bookings of a group, in the worklist's order, with what its time rules read:
-- answered from the index alone.
create index booking_on_worklist on booking (session_id, id) include (attention, membership_id)
    where attention is not null;

-- The worklist at `now`: the bookings of groups from `follow_up_days` back on (of `clinic_ids`;
-- null: every clinic) with a reason, and the time's part of the reasons: a request is 'new' or
-- 'promoted' only while its group is ahead, and a weekly place is one call, at its first request
-- ahead. One SQL statement without settings, so the planner inlines it into the query that
-- reads it, and a page's order and limit reach the indexes: the groups in the order they start,
-- each group's reasons from the index above, stopping at the page's last row. (`offset 0` keeps
-- the group's lookup a lookup per group: flattened into a join, the planner reads every reason
-- in the window and sorts them to find a page.)
create function worklist_now(now timestamptz, follow_up_days int, clinic_ids bigint[])
returns table (booking_id bigint, attention text, starts_at timestamptz)
language sql stable as $$
    select b.id, b.attention, s.starts_at
    from public.session s
    cross join lateral (select b.id, b.attention, b.membership_id from public.booking b
                        where b.session_id = s.id and b.attention is not null offset 0) b
    where s.starts_at > now - make_interval(days => follow_up_days)
      and (clinic_ids is null or s.clinic_id = any(clinic_ids))
      and (b.attention not in ('new', 'promoted') or s.starts_at > now)
      and (b.attention <> 'new' or b.membership_id is null
           or not exists (select 1 from public.booking o join public.session os on os.id = o.session_id
                          where o.membership_id = b.membership_id and o.status = 'requested'
                            and os.starts_at > now and os.starts_at < s.starts_at))
$$;

drop function worklist_attention(timestamptz, text, int, bigint[]);
