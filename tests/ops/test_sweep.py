"""`flask --app app attachments sweep`: files no record names are listed and removed; recorded and young ones stay."""
import os
import time

from consult.tickets.attachments import Upload, stored_path, write_file
from models import Attachment, db
from tests import factories

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"


def _age(path, hours):
    """Make a file look `hours` old."""
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def _files(app):
    """A recorded file, an old orphan, a young orphan, an old .part leftover and an operator's note, all old."""
    with app.test_request_context():
        ticket = factories.make_ticket(factories.make_user())
        kept = write_file(Upload(name="記録.pdf", data=PDF, content_type="application/pdf"))
        db.session.add(Attachment(ticket_id=ticket.id, original_name="記録.pdf", stored_name=kept,
                                  content_type="application/pdf", size=len(PDF), sha256="0" * 64,
                                  uploaded_by_id=ticket.requester_id))
        db.session.commit()
        old, young = (write_file(Upload(name="x.pdf", data=PDF, content_type="application/pdf")) for _ in range(2))
        paths = {"kept": stored_path(kept), "old": stored_path(old), "young": stored_path(young)}
    paths["part"] = paths["old"].parent / ("f" * 64 + ".part")
    paths["part"].write_bytes(b"half")
    paths["note"] = paths["old"].parent / "README.txt"
    paths["note"].write_text("operator's file")
    for name, path in paths.items():
        _age(path, 0.1 if name == "young" else 48)
    return paths


def test_dry_run_lists_only_the_old_orphans(app, runner):
    paths = _files(app)
    result = runner.invoke(args=["attachments", "sweep", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert str(paths["old"]) in result.output and str(paths["part"]) in result.output
    for name in ("kept", "young", "note"):
        assert str(paths[name]) not in result.output
    assert "2件（削除していません）" in result.output
    assert all(p.exists() for p in paths.values())


def test_sweep_removes_the_old_orphans_and_keeps_records(app, runner):
    paths = _files(app)
    result = runner.invoke(args=["attachments", "sweep"])
    assert result.exit_code == 0, result.output
    assert "2件削除しました" in result.output
    assert not paths["old"].exists() and not paths["part"].exists()
    assert paths["kept"].exists() and paths["young"].exists() and paths["note"].exists()
    again = runner.invoke(args=["attachments", "sweep", "--older-than", "1"])
    assert "0件削除しました" in again.output


def test_sweep_refuses_too_short_an_age(app, runner):
    result = runner.invoke(args=["attachments", "sweep", "--older-than", "0"])
    assert result.exit_code != 0
    assert "--older-than" in result.output
