-- A day a clinic is closed (a holiday): every group of that clinic on that local date was
-- cancelled when it was entered, and the weekly series skip it when they generate.
create table clinic_closure (
    clinic_id bigint not null references clinic (id),
    on_date date not null,
    -- Staff's words (the people booked read the cancel kind, `clinic_closed`).
    reason text not null,
    created_by bigint not null references staff (id),
    created_at timestamptz not null,
    primary key (clinic_id, on_date)
);

-- Retired without deleting history (as counselors already are): an inactive clinic or topic
-- is no longer offered for new groups nor listed to the public, and its weekly series
-- generate no new weeks; what exists stays, with its bookings and audit trail.
alter table clinic add column active boolean not null default true;
alter table topic add column active boolean not null default true;

-- The clinic's own word on Medicare (e.g. "coverage coming soon"), shown beside that answer
-- on the booking form; empty when the clinic has none.
alter table clinic add column medicare_note_en text not null default '',
                   add column medicare_note_es text not null default '';
