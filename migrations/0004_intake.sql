-- Intake's work on booking requests: why a status changed, and each attempt to reach a person.

alter table booking_event add column reason text;

create type contact_outcome as enum ('called', 'left_voicemail', 'no_answer');

create table contact_attempt (
    id bigint generated always as identity primary key,
    booking_id bigint not null references booking (id),
    staff_id bigint not null references staff (id),
    outcome contact_outcome not null,
    at timestamptz not null
);
create index contact_attempt_booking on contact_attempt (booking_id, at);

-- The intake queue: a clinic's requests by status, oldest first.
create index booking_queue on booking (status, created_at);
