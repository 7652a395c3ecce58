"""Campaigns whose medium is a message, not a call: SMS through the GSM modem (ivrd's SmsModem), e-mail
(telephonist/mail.py) and fax (a faxd job). runner.py works them: it claims due records inside the windows
of their customer type (the attempt is committed first, as for a call), fills the campaign's message from the
record's fields (template.py), hands it to the medium's sender (sms.py, email.py, fax.py) and writes the
outcome on the attempt: `sent`, or `failed` (retried by the strategy's `retry.failed`)."""
