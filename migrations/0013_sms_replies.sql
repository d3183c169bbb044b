-- Replies to our text messages, from the provider's webhook (`POST /hooks/sms`).

-- When the person answered STOP (or a variant): their consent to texts ended then, on every
-- booking of that number. Kept, so intake sees why no text goes out.
alter table booking add column sms_stopped_at timestamptz;

-- Anything else a person texts back, shown to intake on their newest booking.
create table sms_reply (
    id bigint generated always as identity primary key,
    booking_id bigint not null references booking (id),
    -- The provider's id for the message (MessageSid): a webhook delivered twice is kept once.
    provider_id text not null unique,
    body text not null check (length(body) <= 1600),
    received_at timestamptz not null
);
create index sms_reply_of_booking on sms_reply (booking_id, id);
