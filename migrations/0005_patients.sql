-- Patient records: one per person, so intake can match a new request to someone the clinic
-- already knows (same phone, or same name and date of birth) and merge duplicates.

create table patient (
    id bigint generated always as identity primary key,
    first_name text not null,
    last_name text not null,
    phone text not null,                 -- E.164
    email text,
    date_of_birth date,
    -- A duplicate merged into another record: kept (ids stay valid), never shown as a match.
    merged_into bigint references patient (id),
    created_at timestamptz not null default now(),
    check (merged_into is null or merged_into <> id)
);
create index patient_by_phone on patient (phone) where merged_into is null;
create index patient_by_name on patient (lower(last_name), lower(first_name)) where merged_into is null;

alter table booking add column patient_id bigint references patient (id);
create index booking_by_patient on booking (patient_id);
