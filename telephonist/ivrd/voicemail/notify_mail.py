"""A new message by e-mail: the details in the box's language and the recording attached as WAV."""
from __future__ import annotations

from telephonist.ivrd.voicemail.store import Box, Message
from telephonist.ivrd.voicemail.wording import mail_body, mail_subject
from telephonist.mail import Attachment, SmtpSettings, send_mail


def attachment_of(msg: Message) -> Attachment:
    return Attachment(msg.path, filename=f"voicemail-{msg.mailbox}-{msg.id}.wav", mime="audio/wav")


async def mail_message(smtp: SmtpSettings, msg: Message, box: Box, time_zone: str) -> None:
    """Raises OSError (smtplib's errors included) when the server cannot be reached or refuses."""
    await send_mail(smtp, box.email, mail_subject(msg, box), mail_body(msg, box, time_zone), attachment_of(msg))
