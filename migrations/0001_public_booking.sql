-- Clinics, counselors, topics, weekly series, sessions and booking requests.
-- Times are timestamptz (UTC on the wire); each clinic names its IANA time zone.

create type group_language as enum ('en', 'es');
create type session_status as enum ('scheduled', 'cancelled');
create type booking_status as enum (
    'requested', 'confirmed', 'attended', 'no_show', 'declined', 'waitlisted', 'cancelled'
);

create table clinic (
    id bigint generated always as identity primary key,
    name text not null,
    short_name text not null,
    address text not null,
    phone text not null,
    time_zone text not null,
    hours_en text not null,
    hours_es text not null,
    intake_hours_en text not null,
    intake_hours_es text not null
);

create table counselor (
    id bigint generated always as identity primary key,
    name text not null,
    credentials text not null,
    bio_en text not null,
    bio_es text not null,
    languages group_language[] not null default '{en}',
    active boolean not null default true
);

create table topic (
    id bigint generated always as identity primary key,
    name_en text not null,
    name_es text not null,
    description_en text not null,
    description_es text not null
);

create table series (
    id bigint generated always as identity primary key,
    clinic_id bigint not null references clinic (id),
    topic_id bigint not null references topic (id),
    language group_language not null,
    weekday smallint not null check (weekday between 0 and 6), -- 0 = Monday
    local_start time not null,
    duration_minutes integer not null check (duration_minutes between 15 and 480),
    room_capacity integer not null check (room_capacity > 0),
    seats_per_counselor integer not null check (seats_per_counselor > 0),
    first_date date not null,
    last_date date not null check (last_date >= first_date)
);

create table series_counselor (
    series_id bigint not null references series (id),
    counselor_id bigint not null references counselor (id),
    primary key (series_id, counselor_id)
);

create table session (
    id bigint generated always as identity primary key,
    series_id bigint references series (id),
    clinic_id bigint not null references clinic (id),
    topic_id bigint not null references topic (id),
    language group_language not null,
    starts_at timestamptz not null,
    ends_at timestamptz not null check (ends_at > starts_at),
    room_capacity integer not null check (room_capacity > 0),
    seats_per_counselor integer not null check (seats_per_counselor > 0),
    status session_status not null default 'scheduled',
    unique (series_id, starts_at)
);
create index session_starts_at on session (starts_at);
create index session_clinic_starts_at on session (clinic_id, starts_at);
create index session_topic_starts_at on session (topic_id, starts_at);

create table session_counselor (
    session_id bigint not null references session (id),
    counselor_id bigint not null references counselor (id),
    primary key (session_id, counselor_id)
);
create index session_counselor_by_counselor on session_counselor (counselor_id, session_id);

create table booking (
    id bigint generated always as identity primary key,
    session_id bigint not null references session (id),
    reference text not null unique check (length(reference) = 8),
    manage_token_hash bytea not null unique,
    status booking_status not null,
    first_name text not null,
    last_name text not null,
    phone text not null,           -- E.164
    email text,
    language group_language not null,
    notes text,
    consent_sms boolean not null,
    consent_voicemail boolean not null,
    source text not null default 'online',
    -- A repeat request of the same phone for the same session: recorded so intake sees it,
    -- but it never holds a seat nor takes a waitlist place.
    duplicate_of bigint references booking (id),
    -- Overlaps in time with another active booking of the same phone: intake resolves it.
    overlap_flag boolean not null default false,
    created_at timestamptz not null default now()
);
create index booking_session_status on booking (session_id, status) where duplicate_of is null;
create index booking_phone on booking (phone);
-- The database itself refuses a second seat for the same phone in the same session.
create unique index booking_one_active_per_phone on booking (session_id, phone)
    where duplicate_of is null and status in ('requested', 'confirmed', 'waitlisted');

-- Every transition, with who and when.
create table booking_event (
    id bigint generated always as identity primary key,
    booking_id bigint not null references booking (id),
    from_status booking_status,
    to_status booking_status not null,
    actor text not null,
    at timestamptz not null default now()
);
create index booking_event_booking on booking_event (booking_id, id);

-- One row per one-time key: the same key always gets the same answer. Keys are stored hashed;
-- the fingerprint is a hash of the request it came with.
create table booking_request (
    key_hash bytea primary key,
    fingerprint bytea not null,
    booking_id bigint not null references booking (id),
    answer_status booking_status not null,
    answer_waitlist_position integer,
    created_at timestamptz not null default now()
);

-- Booking attempts per client address (hashed) per minute, shared by all app instances.
create table booking_rate (
    client_hash bytea not null,
    minute timestamptz not null,
    attempts integer not null,
    primary key (client_hash, minute)
);

-- Secrets shared by every app instance on this database (generated on first start).
create table server_secret (
    name text primary key,
    value bytea not null
);
