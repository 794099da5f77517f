"""Ticket numbers: DX-YYYY-NNNN, per year, no duplicates even for concurrent first numbers of a year."""
import re
import threading
from datetime import datetime

import pytest

from consult.tickets.numbering import next_number
from models import db


def test_format_and_sequence(app):
    first = next_number(datetime(2031, 4, 1))
    second = next_number(datetime(2031, 12, 31))
    other_year = next_number(datetime(2032, 1, 1))
    db.session.commit()
    assert (first, second, other_year) == ("DX-2031-0001", "DX-2031-0002", "DX-2032-0001")
    assert re.fullmatch(r"DX-\d{4}-\d{4}", first)


def test_concurrent_first_numbers_of_a_year_do_not_collide(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    barrier = threading.Barrier(4)
    results, errors = [], []

    def issue():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                number = next_number(datetime(2040, 5, 1))
                db.session.commit()
                results.append(number)
            except Exception as exc:  # collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [f"DX-2040-{n:04d}" for n in range(1, 5)]
