-- Patients hear back: consent to e-mail beside the SMS one, the booking's manage link kept
-- (sealed) for the messages that follow its request, a neutral name per clinic for messages,
-- and the outbox every change that should tell the patient writes to, in its own transaction.

alter table booking add column consent_email boolean not null default false;

-- The manage link's token, sealed with the key file's key (the database alone cannot read
-- it), so every message can carry the link. Null for bookings taken before messages existed.
alter table booking add column manage_token_sealed bytea;

-- What messages call the clinic. It must say nothing of treatment: a patient's phone may be
-- shared. Empty: messages say "the clinic".
alter table clinic add column message_name text not null default ''
    check (length(message_name) <= 60);

create type message_kind as enum (
    'request_received', 'waitlisted', 'promoted_from_waitlist', 'confirmed', 'declined', 'moved',
    'cancelled_by_patient', 'cancelled_by_clinic', 'group_cancelled', 'group_time_changed', 'reminder'
);
create type message_channel as enum ('sms', 'email');
-- pending: to be sent when due; sent; failed: its last try failed (an admin may retry);
-- unsent: it will not be sent (no channel configured, consent withdrawn).
create type message_state as enum ('pending', 'sent', 'failed', 'unsent');

create table message (
    id bigint generated always as identity primary key,
    booking_id bigint not null references booking (id),
    kind message_kind not null,
    channel message_channel not null,
    -- A waitlisted request's place in line when it was taken.
    waitlist_position int,
    -- A reminder's hours before the group, and the start it reminds of (a group moved to
    -- another time, or a booking moved to another group, is reminded of again).
    reminder_hours int check ((kind = 'reminder') = (reminder_hours is not null)),
    reminder_for timestamptz check ((kind = 'reminder') = (reminder_for is not null)),
    created_at timestamptz not null,
    state message_state not null default 'pending',
    -- Why an unsent message was not sent (a code, never patient data).
    unsent_reason text,
    attempts int not null default 0,
    -- When it is due (quiet hours and back-off move it).
    next_attempt_at timestamptz not null,
    -- A worker that claimed it holds it until then; a worker that died lets it go.
    lease_until timestamptz,
    sent_at timestamptz,
    -- What the provider said when a try failed (never the message or the recipient).
    last_error text,
    -- Sent with every try, so the provider delivers a message once however often it is tried.
    idempotency_key text not null unique default gen_random_uuid()::text
);
create unique index message_one_reminder on message (booking_id, channel, reminder_hours, reminder_for)
    where kind = 'reminder';
create index message_due on message (next_attempt_at) where state = 'pending';
create index message_of_booking on message (booking_id, id);
