-- A deactivated account frees its e-mail: a person who leaves and comes back, or an address
-- handed to a successor, gets a new account. Only active accounts must differ.
drop index staff_email_unique;
create unique index staff_email_unique on staff (lower(email)) where active;
