"""Writing a batch of checked grade lines inside the grades import's transaction.

:class:`GradeWriter` creates, updates or leaves each grade of a batch, all audited: new grades
are inserted in bulk with one audit "create" entry each (:func:`baktui.data.audit.append_rows`),
corrections go through ``audit.update`` (before and after kept), as do the kept-session marks
of the registrations. :mod:`baktui.services.imports.grades` checks the lines and counts them.
"""

from __future__ import annotations

from collections.abc import Sequence

from baktui.data import audit, sql
from baktui.data.models import Grade, GradePart, Registration
from baktui.services.imports.grade_lines import GradeLine
from baktui.services.imports.report import SOURCE, ImportReport

_GRADE_FIELDS = ("candidate", "epreuve_code", "value_centi", "code", "entered_by", "entered_at",
                 "version", "group", "kept_session", "source")  # fmt: skip
_PART_FIELDS = ("candidate", "epreuve_code", "value_centi", "code", "entered_by", "entered_at",
                "part_code")  # fmt: skip


class GradeWriter:
    """Create, update or leave each grade of a batch (inside the import's transaction), all
    audited: new grades inserted in bulk with one audit "create" entry each, corrections
    through ``audit.update`` (before and after kept), as are the kept-session marks of the
    registrations."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.who, self.now = audit.current_user(), audit.now_iso()
        self.texts = {
            Grade: audit.record_texter(Grade, _GRADE_FIELDS),
            GradePart: audit.record_texter(GradePart, _PART_FIELDS),
        }
        # what every new grade's audit text ends with (source, who, when: the same for all)
        tail = audit.record_text(Grade, {"source": SOURCE, "entered_by": self.who,
                                         "entered_at": self.now})  # fmt: skip
        self.tails = {Grade: "; " + tail if tail else ""}
        self.inserts = {
            Grade: sql.insert_sql(Grade, _GRADE_FIELDS),
            GradePart: sql.insert_sql(GradePart, _PART_FIELDS),
        }

    def write(
        self,
        lines: Sequence[GradeLine],
        grades: dict[tuple[int, str, int], tuple[int, int | None, str | None, int | None]],
        parts: dict[tuple[int, str, str], tuple[int, int | None, str | None]],
        registrations: dict[tuple[int, str], tuple[int, int | None]],
        report: ImportReport,
    ) -> list[GradeLine]:
        """Write a batch; returns the lines of the grades (not part-grades) created."""
        who, now, reason = self.who, self.now, self.reason
        new_grades: list[GradeLine] = []
        new_parts: list[GradeLine] = []
        for line in lines:
            if line.part:
                stored_part = parts.get((line.candidate_id, line.code, line.part))
                if stored_part is None:
                    new_parts.append(line)
                    report.created += 1
                elif (stored_part[1], stored_part[2]) == (line.value_centi, line.grade_code):
                    report.unchanged += 1
                else:
                    audit.update(
                        GradePart,
                        stored_part[0],
                        {"value_centi": line.value_centi, "code": line.grade_code,
                         "entered_by": who, "entered_at": now},
                        reason=f"{reason}, ligne {line.line}",
                    )  # fmt: skip
                    report.updated += 1
                continue
            stored = grades.get((line.candidate_id, line.code, line.group))
            values = (line.value_centi, line.grade_code, line.kept_session)
            if stored is None:
                new_grades.append(line)
                report.created += 1
            elif (stored[1], stored[2], stored[3]) == values:
                report.unchanged += 1
                continue
            else:
                audit.update(
                    Grade,
                    stored[0],
                    {"value_centi": line.value_centi, "code": line.grade_code,
                     "kept_session": line.kept_session, "source": SOURCE, "entered_by": who,
                     "entered_at": now},
                    reason=f"{reason}, ligne {line.line}",
                )  # fmt: skip
                report.updated += 1
            registration = registrations.get((line.candidate_id, line.code))
            if line.group == 1 and registration and registration[1] != line.kept_session:
                audit.update(
                    Registration,
                    registration[0],
                    {"kept_session": line.kept_session},
                    reason=f"{reason}, ligne {line.line}",
                )
        self._create(Grade, new_grades)
        self._create(GradePart, new_parts)
        return new_grades

    def _create(self, model: type[Grade] | type[GradePart], lines: Sequence[GradeLine]) -> None:
        """Insert new grades (or part-grades) in one statement, then one audit "create" entry
        per row, its text built once from the inserted values."""
        if not lines:
            return
        who, now = self.who, self.now
        if model is Grade:
            rows = [
                (line.candidate_id, line.code, line.value_centi, line.grade_code, who, now, 1,
                 line.group, line.kept_session, SOURCE)
                for line in lines
            ]  # fmt: skip
        else:
            rows = [
                (line.candidate_id, line.code, line.value_centi, line.grade_code, who, now,
                 line.part)
                for line in lines
            ]  # fmt: skip
        key = model.id
        last = model.select(key).order_by(key.desc()).limit(1).scalar() or 0
        sql.executemany(self.inserts[model], rows)
        # the rows just inserted, in order (the journal is locked: no other writer in between)
        ids = [pk for (pk,) in sql.fetch(model.select(key).where(key > last).order_by(key))]
        if len(ids) != len(rows):
            raise RuntimeError(f"{len(ids)} {model._meta.table_name} ids for {len(rows)} rows")
        entity = model._meta.table_name
        reason = self.reason
        tail = self.tails.get(model, "")
        entries = []
        if model is Grade:
            for pk, line in zip(ids, lines, strict=True):
                value, code, kept = line.value_centi, line.grade_code, line.kept_session
                text = (
                    f"candidate={line.candidate_id}; epreuve_code={line.code}; group={line.group}"
                )
                if value is not None:
                    text += f"; value_centi={value}"
                if code:
                    text += f"; code={code}"
                if kept is not None:
                    text += f"; kept_session={kept}"
                entries.append(("create", entity, str(pk), "", None, text + tail,
                                f"{reason}, ligne {line.line}", line.candidate_id))  # fmt: skip
        else:
            for pk, row, line in zip(ids, rows, lines, strict=True):
                entries.append(("create", entity, str(pk), "", None, self.texts[model](row),
                                f"{reason}, ligne {line.line}", line.candidate_id))  # fmt: skip
        audit.append_rows(entries, at=self.now)
