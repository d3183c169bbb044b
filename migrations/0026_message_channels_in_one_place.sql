-- The channels a booking's messages go by, in one place: a text message when the person agreed
-- to them, an e-mail when they agreed and gave an address. The outbox's writes and its checks
-- before each send (a STOP may have come since) read it, and a new request writes its first
-- message in the statement that makes it (one round trip fewer while the group's lock is held).
create function booking_message_channels(consent_sms boolean, consent_email boolean, email text)
returns setof message_channel language sql immutable parallel safe as $$
    select c.channel from (values ('sms'::message_channel, consent_sms),
                                  ('email'::message_channel, consent_email and email is not null)) as c (channel, agreed)
    where c.agreed
$$;
