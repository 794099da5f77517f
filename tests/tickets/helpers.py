"""Shared helpers for the requester-side ticket tests."""
from io import BytesIO

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def intake_data(**overrides) -> dict:
    """A complete, valid intake form."""
    data = {
        "title": "会議録の作成に時間がかかる",
        "purpose": "審議会の議論を記録し、県民に公開するため",
        "current_process": "録音を聞きながら手で文字起こししている",
        "problem": "1回の会議で3日かかる",
        "desired_state": "1日で公開できる",
        "frequency": "毎月",
        "frequency_other": "",
        "hours_per_month": "24",
        "urgency": "medium",
        "desired_timing": "来年度から",
        "contains_personal_info": "no",
        "category": "",
        "action": "submit",
    }
    data.update(overrides)
    return data


def upload(content: bytes, name: str):
    """A (stream, filename) pair for the test client's multipart form data."""
    return (BytesIO(content), name)
