"""SMS-SUBMIT PDUs (3GPP TS 23.040) in UCS-2, split into concatenated parts when long, and their decoding.

Text is always sent as UCS-2 (DCS 0x08) so that Chinese arrives intact on
every handset; a message longer than one SMS (70 UCS-2 units) is cut into
parts of 67 units, each with a User Data Header naming the message
(reference), the number of parts and the part's place (IE 0x00, 8-bit
reference). Characters outside the BMP travel as UTF-16 surrogate pairs and
a pair is never split between parts. `decode_submit` reads back what
`encode_submit` makes (and what other senders make: 16-bit references,
GSM 7-bit or 8-bit data), for the tests' simulated modem.
"""
from __future__ import annotations

from dataclasses import dataclass

UCS2_SINGLE = 70          # UTF-16 units in one SMS
UCS2_PART = 67            # ... in one part of a concatenated SMS (6 octets of UDH)
MAX_PARTS = 255
DCS_UCS2 = 0x08
VP_4_DAYS = 0xAA          # relative validity period: (0xAA - 166) days = 4 days


class PduError(ValueError):
    """A number or text that cannot be sent, or a PDU that cannot be read."""


@dataclass(frozen=True)
class SubmitPdu:
    hex: str                  # what AT+CMGS sends (SMSC part included)
    tpdu_length: int          # the length AT+CMGS=<n> announces: octets after the SMSC part


@dataclass(frozen=True)
class DecodedSubmit:
    smsc: str
    number: str
    text: str
    dcs: int
    reference: int | None = None      # concatenated: which message, how many parts, this part's place
    parts: int = 1
    part: int = 1
    message_ref: int = 0
    status_report: bool = False


# ---- numbers -------------------------------------------------------------------------------------
def _semi_octets(digits: str) -> bytes:
    if len(digits) % 2:
        digits += "F"
    return bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, len(digits), 2))


def _address(number: str) -> tuple[int, bytes]:
    """(type of address, semi-octets) of a phone number; "+" makes it international."""
    intl = number.startswith("+")
    digits = number[1:] if intl else number
    if not digits or len(digits) > 20 or any(c not in "0123456789*#" for c in digits):
        raise PduError(f"not a phone number: {number!r}")
    digits = digits.replace("*", "A").replace("#", "B")
    return (0x91 if intl else 0x81), _semi_octets(digits)


def _smsc_field(smsc: str) -> bytes:
    if not smsc:
        return b"\x00"                # the service centre stored on the SIM
    toa, digits = _address(smsc)
    return bytes([1 + len(digits), toa]) + digits


def _read_digits(data: bytes, n: int) -> str:
    out = []
    for b in data:
        out.append("0123456789*#abcF"[b & 0x0F])
        out.append("0123456789*#abcF"[b >> 4])
    return "".join(out)[:n]


# ---- text ----------------------------------------------------------------------------------------
def _utf16_units(text: str) -> list[bytes]:
    """The text as UTF-16BE, one entry per character (a non-BMP character is one 4-byte entry)."""
    return [ch.encode("utf-16-be") for ch in text]


def split_ucs2(text: str) -> list[bytes]:
    """The UCS-2 user data of each part: one part when it fits, else parts of up to 67 units."""
    chars = _utf16_units(text)
    if sum(len(c) for c in chars) <= UCS2_SINGLE * 2:
        return [b"".join(chars)]
    parts: list[bytes] = []
    cur = b""
    for c in chars:
        if len(cur) + len(c) > UCS2_PART * 2:
            parts.append(cur)
            cur = b""
        cur += c
    parts.append(cur)
    if len(parts) > MAX_PARTS:
        raise PduError(f"text too long for one concatenated SMS ({len(parts)} parts)")
    return parts


def encode_submit(number: str, text: str, reference: int = 0, smsc: str = "",
                  status_report: bool = False) -> list[SubmitPdu]:
    """The PDUs that send `text` to `number`; `reference` (0..255) ties the parts of a long text."""
    if not text:
        raise PduError("empty text")
    toa, da = _address(number)
    digits = len(number.lstrip("+"))
    bodies = split_ucs2(text)
    concat = len(bodies) > 1
    out = []
    for i, body in enumerate(bodies, 1):
        first = 0x01 | 0x10                 # SMS-SUBMIT, relative validity period
        if status_report:
            first |= 0x20
        ud = body
        if concat:
            first |= 0x40                   # user data begins with a header
            ud = bytes([5, 0x00, 3, reference & 0xFF, len(bodies), i]) + body
        tpdu = bytes([first, 0x00, digits, toa]) + da + bytes([0x00, DCS_UCS2, VP_4_DAYS, len(ud)]) + ud
        out.append(SubmitPdu((_smsc_field(smsc) + tpdu).hex().upper(), len(tpdu)))
    return out


# ---- decoding (what a modem or a test sees) ------------------------------------------------------
def _unpack_septets(data: bytes, count: int, skip_bits: int = 0) -> str:
    from_gsm = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
    bits = int.from_bytes(data, "little")
    return "".join(from_gsm[(bits >> (skip_bits + 7 * i)) & 0x7F] for i in range(count))


def decode_submit(pdu_hex: str) -> DecodedSubmit:
    try:
        data = bytes.fromhex(pdu_hex.strip())
    except ValueError as exc:
        raise PduError(f"not hexadecimal: {exc}") from exc
    try:
        return _decode(data)
    except IndexError as exc:
        raise PduError("PDU cut short") from exc


def _decode(data: bytes) -> DecodedSubmit:
    n = data[0]
    smsc = ""
    if n:
        smsc = ("+" if data[1] == 0x91 else "") + _read_digits(data[2:1 + n], 2 * (n - 1)).rstrip("F")
    p = 1 + n
    first = data[p]
    if first & 0x03 != 0x01:
        raise PduError(f"not an SMS-SUBMIT (first octet {first:02X})")
    mr = data[p + 1]
    ndig, toa = data[p + 2], data[p + 3]
    da_len = (ndig + 1) // 2
    number = ("+" if toa == 0x91 else "") + _read_digits(data[p + 4:p + 4 + da_len], ndig)
    p += 4 + da_len
    dcs = data[p + 1]
    p += 2
    vpf = (first >> 3) & 0x03
    p += {0: 0, 2: 1}.get(vpf, 7)
    udl = data[p]
    ud = data[p + 1:]
    seven_bit = dcs & 0x0C == 0x00
    ref = None
    parts = part = 1
    hdr_len = 0
    if first & 0x40:
        udhl = ud[0]
        hdr_len = udhl + 1
        q = 1
        while q < hdr_len:
            iei, iel = ud[q], ud[q + 1]
            val = ud[q + 2:q + 2 + iel]
            if iei == 0x00:
                ref, parts, part = val[0], val[1], val[2]
            elif iei == 0x08:
                ref, parts, part = int.from_bytes(val[:2], "big"), val[2], val[3]
            q += 2 + iel
    if seven_bit:
        fill = (7 - (hdr_len * 8) % 7) % 7
        skip_septets = (hdr_len * 8 + fill) // 7
        text = _unpack_septets(ud, udl, 0)[skip_septets:] if not hdr_len else \
            _unpack_septets(ud[hdr_len:], udl - skip_septets, fill)
    else:
        body = ud[hdr_len:udl]
        if len(ud) < udl:
            raise PduError(f"user data shorter ({len(ud)}) than its length says ({udl})")
        text = body.decode("utf-16-be", errors="strict") if dcs & 0x0C == DCS_UCS2 else body.decode("latin-1")
    return DecodedSubmit(smsc=smsc, number=number, text=text, dcs=dcs, reference=ref, parts=parts, part=part,
                         message_ref=mr, status_report=bool(first & 0x20))
