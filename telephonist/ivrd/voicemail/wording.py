"""What a mailbox's owner reads about a new message: the e-mail's subject and body, the SMS text.

In the box's language (zh or en); times in the site's time zone.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telephonist.ivrd.voicemail.store import Box, Message

CATEGORY_ZH = {"complaint": "投诉", "suggestion": "建议", "other": "其他"}


def _local(t: datetime, time_zone: str) -> str:
    return t.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d %H:%M")


def _duration(ms: int, zh: bool) -> str:
    s = max(0, round(ms / 1000))
    if zh:
        return f"{s // 60}分{s % 60}秒" if s >= 60 else f"{s}秒"
    return f"{s // 60}:{s % 60:02d}"


def _who(msg: Message, zh: bool) -> str:
    return msg.caller or ("未知号码" if zh else "an unknown number")


def mail_subject(msg: Message, box: Box) -> str:
    if box.language == "zh":
        return f"新语音留言：信箱 {box.mailbox}，来电 {_who(msg, True)}（{_duration(msg.duration_ms, True)}）"
    return f"New voicemail in box {box.mailbox} from {_who(msg, False)} ({_duration(msg.duration_ms, False)})"


def mail_body(msg: Message, box: Box, time_zone: str) -> str:
    zh = box.language == "zh"
    when = _local(msg.created_at, time_zone)
    fwd = msg.forwarded_from
    if zh:
        lines = [f"信箱：{box.mailbox} {box.name}".rstrip(), f"来电号码：{_who(msg, True)}",
                 f"拨打号码：{msg.dialled or '-'}", f"时间：{when}", f"时长：{_duration(msg.duration_ms, True)}",
                 f"类别：{CATEGORY_ZH.get(msg.category, msg.category)}"]
        if fwd:
            lines.append(f"转自留言 #{fwd}")
        lines += ["", "留言录音见附件（WAV）。"]
    else:
        lines = [f"Mailbox: {box.mailbox} {box.name}".rstrip(), f"From: {_who(msg, False)}",
                 f"Number dialled: {msg.dialled or '-'}", f"Time: {when}",
                 f"Length: {_duration(msg.duration_ms, False)}", f"Category: {msg.category}"]
        if fwd:
            lines.append(f"Forwarded from message #{fwd}")
        lines += ["", "The recording is attached (WAV)."]
    return "\n".join(lines) + "\n"


def sms_text(msg: Message, box: Box, time_zone: str) -> str:
    when = _local(msg.created_at, time_zone)
    if box.language == "zh":
        return (f"您的语音信箱{box.mailbox}有一条新留言：来电{_who(msg, True)}，{when}，"
                f"时长{_duration(msg.duration_ms, True)}，类别：{CATEGORY_ZH.get(msg.category, msg.category)}。")
    return (f"New voicemail in box {box.mailbox} from {_who(msg, False)} at {when}, "
            f"{_duration(msg.duration_ms, False)}, {msg.category}.")
