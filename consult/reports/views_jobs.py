"""Background exports: the person's list, the progress page (and its JSON for the page's script), the download."""
from flask import Response, abort, jsonify, redirect, render_template, stream_with_context, url_for
from flask_login import current_user

from consult.auth.guards import staff_required
from consult.core.errorpages import render_error

from . import bp, exportjobs

TYPES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
KIND_LABELS = {"ticket": "相談", "case": "解決事例"}
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel（.xlsx）"}
EXPIRED_MESSAGE = "この書き出しファイルは保存期間を過ぎたため削除しました。実績の画面からもう一度書き出してください。"


def _own_job(job_id: int):
    """The current person's job, or 404 (also for jobs of anyone else)."""
    job = exportjobs.job_of(current_user, job_id)
    if job is None:
        abort(404)
    return job


def _context(job) -> dict:
    """What the progress panel shows."""
    return {"job": job, "kind_label": KIND_LABELS.get(job.kind, job.kind),
            "format_label": FORMAT_LABELS.get(job.format, job.format),
            "ahead": exportjobs.queue_position(job) if job.status == "queued" else 0,
            "waiting_long": exportjobs.waiting_long(job), "downloadable": exportjobs.downloadable(job)}


@bp.route("/exports/")
@staff_required
def export_jobs():
    """The person's own recent background exports."""
    jobs = exportjobs.jobs_of(current_user)
    return render_template("reports/export_jobs.html", title="書き出しの一覧", jobs=jobs,
                           downloadable_ids={j.id for j in jobs if exportjobs.downloadable(j)},
                           kind_labels=KIND_LABELS, format_labels=FORMAT_LABELS)


@bp.route("/exports/<int:job_id>")
@staff_required
def export_job(job_id: int):
    """Progress page of one background export; the download link when it is done."""
    job = _own_job(job_id)
    return render_template("reports/export_job.html", title="書き出し", **_context(job))


@bp.route("/exports/<int:job_id>/status")
@staff_required
def export_job_status(job_id: int):
    """The progress as JSON, for the page's script (which polls it while the job runs)."""
    job = _own_job(job_id)
    context = _context(job)
    return jsonify(status=job.status, progress=job.progress, total=job.total,
                   panel=render_template("reports/_export_panel.html", **context))


@bp.route("/exports/<int:job_id>/download")
@staff_required
def export_download(job_id: int):
    """The finished file, for the person who asked for it only (audited)."""
    job = _own_job(job_id)
    if job.status == "expired" or (job.status == "done" and not exportjobs.downloadable(job)):
        return render_error(410, EXPIRED_MESSAGE)
    if job.status != "done":
        return redirect(url_for("reports.export_job", job_id=job.id), 303)
    exportjobs.record_download(job, current_user)
    response = Response(stream_with_context(exportjobs.file_parts(job.id)), content_type=TYPES[job.format])
    response.headers["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    if job.size is not None:
        response.headers["Content-Length"] = str(job.size)
    return response
