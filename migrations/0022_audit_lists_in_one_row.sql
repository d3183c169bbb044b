-- A list a staff member was shown (a worklist, a roster, the matches offered on a page) is one
-- audit entry naming every record it showed, not one entry per record. Each entry is a step of
-- the one chain, taken under one lock held until its transaction commits: with an entry per
-- record, a worklist of 120 requests wrote 120 chained rows and 120 seals and held the lock
-- through all of them and their commit, so every audited staff page in every clinic queued
-- behind it, and the log grew by a hundred rows a view.

alter table audit_log add column record_ids bigint[];
-- An entry is about one record, or about a list of them, never both. A list is a plain list
-- of at least one id, none of them null, counted from 1: the digest writes it as its ids
-- joined by commas, which must read back as exactly the list stored (array_to_string would
-- skip a null, flatten a list of lists, and drop where a list starts).
alter table audit_log add constraint audit_log_one_record_or_a_list
    check (record_ids is null or (record_id is null and cardinality(record_ids) > 0
                                  and array_ndims(record_ids) = 1 and array_lower(record_ids, 1) = 1
                                  and array_position(record_ids, null) is null));
-- "Who saw this person's records" finds the lists that showed them.
create index audit_log_by_records on audit_log using gin (record_ids);

-- The digest covers the list too. concat_ws skips a null, so a row without a list (every row
-- written before this migration) keeps the digest it was written with.
create function audit_row_digest(
    prev bytea, seq bigint, at timestamptz, actor bigint, action text,
    record_type text, record_id bigint, client_addr text, record_ids bigint[]
) returns bytea language sql stable set search_path = pg_catalog, public, pg_temp as $$
    select sha256(prev || convert_to(concat_ws('|',
        seq::text,
        to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(actor::text, ''), action, coalesce(record_type, ''),
        coalesce(record_id::text, ''), coalesce(client_addr, ''),
        array_to_string(record_ids, ',')), 'UTF8'))
$$;

create or replace function audit_log_chain() returns trigger language plpgsql
    set search_path = pg_catalog, public, pg_temp as $$
declare
    last record;
begin
    -- One writer at a time extends the chain; the lock ends with the transaction.
    perform pg_advisory_xact_lock(hashtext('audit_log_chain'));
    select a.seq, a.hash into last from audit_log a order by a.seq desc limit 1;
    new.at := now();
    new.seq := coalesce(last.seq, 0) + 1;
    new.prev_hash := coalesce(last.hash, '\x'::bytea);
    new.hash := audit_row_digest(new.prev_hash, new.seq, new.at, new.actor_staff_id, new.action,
                                 new.record_type, new.record_id, new.client_addr, new.record_ids);
    return new;
end
$$;

-- One digest: the old form is the new one without a list.
drop function audit_row_digest(bytea, bigint, timestamptz, bigint, text, text, bigint, text);
