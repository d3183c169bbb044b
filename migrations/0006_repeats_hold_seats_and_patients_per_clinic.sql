-- Two privacy rules the schema now keeps.
--
-- 1. A repeat request of the same phone for the same session is taken like any request: it
--    holds a seat or a waitlist place and is promoted like the others, so no public count can
--    tell that the phone asked before. `duplicate_of` stays, as intake's flag only.
drop index booking_one_active_per_phone;
drop index booking_session_status;
create index booking_session_status on booking (session_id, status);

-- 2. A patient record belongs to one clinic (each clinic is its own program under 42 CFR
--    Part 2): intake matches, links and merges records within a clinic, and sees a record only
--    when it works for that clinic.
alter table patient add column clinic_id bigint references clinic (id);

-- A record takes the clinic of its first booking; a record merged away, that of the record
-- it went into.
update patient p set clinic_id = (
    select s.clinic_id from booking b join session s on s.id = b.session_id
    where b.patient_id = p.id order by b.id limit 1);
do $$
begin
    loop
        update patient p set clinic_id = k.clinic_id from patient k
        where p.merged_into = k.id and p.clinic_id is null and k.clinic_id is not null;
        exit when not found;
    end loop;
end
$$;
update patient set clinic_id = (select min(id) from clinic) where clinic_id is null;

-- A record that already spans clinics is split: each other clinic gets its own copy, and its
-- bookings follow the copy.
do $$
declare
    spans record;
    copy_id bigint;
begin
    for spans in
        select distinct b.patient_id, s.clinic_id
        from booking b join session s on s.id = b.session_id join patient p on p.id = b.patient_id
        where s.clinic_id <> p.clinic_id
    loop
        insert into patient (first_name, last_name, phone, email, date_of_birth, created_at, clinic_id)
        select first_name, last_name, phone, email, date_of_birth, created_at, spans.clinic_id
        from patient where id = spans.patient_id
        returning id into copy_id;
        update booking b set patient_id = copy_id from session s
        where s.id = b.session_id and b.patient_id = spans.patient_id and s.clinic_id = spans.clinic_id;
    end loop;
end
$$;

alter table patient alter column clinic_id set not null;
drop index patient_by_phone;
drop index patient_by_name;
create index patient_by_phone on patient (clinic_id, phone) where merged_into is null;
create index patient_by_name on patient (clinic_id, lower(last_name), lower(first_name)) where merged_into is null;

-- The database itself refuses a booking linked to another clinic's record, whatever the code.
create function booking_patient_same_clinic() returns trigger language plpgsql as $$
begin
    if new.patient_id is not null and not exists (
        select 1 from patient p join session s on s.id = new.session_id
        where p.id = new.patient_id and p.clinic_id = s.clinic_id)
    then
        raise exception using
            errcode = 'check_violation',
            constraint = 'booking_patient_same_clinic',
            message = 'a booking links only to a patient record of its own clinic';
    end if;
    return new;
end
$$;
create trigger booking_patient_same_clinic before insert or update of patient_id, session_id on booking
    for each row execute function booking_patient_same_clinic();
