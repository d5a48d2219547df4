"""The little of H.264 the recorder reads: NAL units and the picture size in an SPS.

Enough to give the MP4 muxer its decoder configuration without decoding a picture.
"""

from __future__ import annotations

SPS = 7
PPS = 8
IDR = 5
_HIGH_PROFILES = frozenset({100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135})


def nal_units(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B access unit, without their start codes."""
    starts: list[int] = []
    pos = data.find(b"\x00\x00\x01")
    while pos != -1:
        starts.append(pos + 3)
        pos = data.find(b"\x00\x00\x01", pos + 3)
    units = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - 3 if index + 1 < len(starts) else len(data)
        unit = data[start:end]
        if index + 1 < len(starts):
            unit = unit.rstrip(b"\x00")  # the zero byte of a 4-byte start code
        if unit:
            units.append(unit)
    return units


def parameter_sets(data: bytes) -> bytes | None:
    """The SPS and PPS of an access unit as Annex B extradata, if it carries both."""
    units = nal_units(data)
    sps = [u for u in units if u[0] & 0x1F == SPS]
    pps = [u for u in units if u[0] & 0x1F == PPS]
    if not sps or not pps:
        return None
    return b"".join(b"\x00\x00\x00\x01" + unit for unit in (sps[0], pps[0]))


def codec_string(data: bytes) -> str | None:
    """The RFC 6381 name of the stream (``avc1.PPCCLL``) from an access unit's SPS."""
    for unit in nal_units(data):
        if unit[0] & 0x1F == SPS and len(unit) >= 4:
            return "avc1." + unit[1:4].hex()
    return None


def picture_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the first SPS in an access unit (cropping applied)."""
    for unit in nal_units(data):
        if unit[0] & 0x1F == SPS:
            return _sps_size(_unescape(unit[1:]))
    return None


def _unescape(rbsp: bytes) -> bytes:
    return rbsp.replace(b"\x00\x00\x03", b"\x00\x00")


class _Bits:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def bit(self) -> int:
        byte = self._data[self._pos >> 3]
        value = (byte >> (7 - (self._pos & 7))) & 1
        self._pos += 1
        return value

    def bits(self, count: int) -> int:
        value = 0
        for _ in range(count):
            value = (value << 1) | self.bit()
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:
        value = self.ue()
        return (value + 1) // 2 if value & 1 else -(value // 2)


def _sps_size(rbsp: bytes) -> tuple[int, int]:
    bits = _Bits(rbsp)
    profile = bits.bits(8)
    bits.bits(16)  # constraint flags, level
    bits.ue()  # seq_parameter_set_id
    chroma_format = 1
    if profile in _HIGH_PROFILES:
        chroma_format = bits.ue()
        if chroma_format == 3:
            bits.bit()
        bits.ue()  # bit depths
        bits.ue()
        bits.bit()
        if bits.bit():  # seq_scaling_matrix_present
            for index in range(8 if chroma_format != 3 else 12):
                if bits.bit():
                    _skip_scaling_list(bits, 16 if index < 6 else 64)
    bits.ue()  # log2_max_frame_num
    order_type = bits.ue()
    if order_type == 0:
        bits.ue()
    elif order_type == 1:
        bits.bit()
        bits.se()
        bits.se()
        for _ in range(bits.ue()):
            bits.se()
    bits.ue()  # max_num_ref_frames
    bits.bit()
    width_mbs = bits.ue() + 1
    height_units = bits.ue() + 1
    frame_mbs_only = bits.bit()
    if not frame_mbs_only:
        bits.bit()
    bits.bit()  # direct_8x8_inference
    width, height = width_mbs * 16, height_units * 16 * (2 - frame_mbs_only)
    if bits.bit():  # frame_cropping
        left, right, top, bottom = bits.ue(), bits.ue(), bits.ue(), bits.ue()
        crop_x = 2 if chroma_format in (1, 2) else 1
        crop_y = (2 if chroma_format == 1 else 1) * (2 - frame_mbs_only)
        width -= (left + right) * crop_x
        height -= (top + bottom) * crop_y
    return width, height


def _skip_scaling_list(bits: _Bits, size: int) -> None:
    last = next_scale = 8
    for _ in range(size):
        if next_scale:
            next_scale = (last + bits.se() + 256) % 256
        last = next_scale or last
