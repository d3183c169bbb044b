-- What intake needs to admit someone, asked on the form, each optional: already a patient here
-- (null: not said), how they expect to pay, a ride, an interpreter or another accommodation.
-- (Under 18 is not stored: no request is taken, the form says to call the clinic.)
alter table booking
    add column returning_patient boolean,
    add column payment text check (payment in ('medi_cal', 'medicare', 'private', 'self_pay', 'not_sure')),
    add column needs_ride boolean not null default false,
    add column accommodation text check (length(accommodation) <= 200);
