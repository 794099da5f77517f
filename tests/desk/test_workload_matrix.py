"""担当状況: every number of the status/priority matrices sits in the column of its own header."""
from html.parser import HTMLParser

from tests import factories


class _Tables(HTMLParser):
    """Tables as grids of cells (colspan/rowspan expanded): {id: [[(tag, attrs, text), …], …]}."""

    def __init__(self):
        super().__init__()
        self.tables, self._table, self._row, self._cell, self._section = {}, None, None, None, None

    def handle_starttag(self, tag, attrs):
        """Start tables, rows and cells."""
        attrs = dict(attrs)
        if tag == "table":
            self._table = {"head": [], "body": [], "pending": {}}
            self.tables[attrs.get("id", str(len(self.tables)))] = self._table
        elif self._table is None:
            return
        elif tag in ("thead", "tbody"):
            self._section = "head" if tag == "thead" else "body"
        elif tag == "tr":
            self._row = []
            self._table[self._section].append(self._row)
        elif tag in ("th", "td"):
            self._cell = [tag, attrs, ""]

    def handle_data(self, data):
        """Text of the current cell."""
        if self._cell is not None:
            self._cell[2] += data.strip()

    def handle_endtag(self, tag):
        """Place a finished cell into the grid."""
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(tuple(self._cell))
            self._cell = None
        elif tag == "table":
            self._table = None


def _grid(rows):
    """Expand colspan/rowspan into a rectangular grid of cells."""
    grid, carry = [], {}
    for row in rows:
        out, col, cells = {}, 0, list(row)
        while cells or any(c >= col for c in carry):
            if col in carry:
                cell, left = carry[col]
                out[col] = cell
                if left > 1:
                    carry[col] = (cell, left - 1)
                else:
                    del carry[col]
                col += 1
                continue
            if not cells:
                break
            cell = cells.pop(0)
            for i in range(int(cell[1].get("colspan", 1))):
                out[col + i] = cell
                if int(cell[1].get("rowspan", 1)) > 1:
                    carry[col + i] = (cell, int(cell[1]["rowspan"]) - 1)
            col += int(cell[1].get("colspan", 1))
        grid.append([out[i] for i in sorted(out)])
    return grid


def test_matrix_numbers_sit_under_their_headers(app, dx, users):
    """For every body cell, the header cells of its column are exactly those its `headers` names."""
    dx2 = users["dx_staff2"]
    factories.make_ticket(users["requester"], status="waiting", priority="urgent", main_handler=dx2)
    factories.make_ticket(users["requester"], status="in_progress", priority="high", main_handler=dx2,
                          backup_handler=users["dx_staff"])
    html = dx.get("/desk/workload").get_data(as_text=True)
    parser = _Tables()
    parser.feed(html)
    for role in ("main", "backup"):
        table = parser.tables[f"matrix-{role}"]
        head, body = _grid(table["head"]), _grid(table["body"])
        width = len(head[-1])
        assert width == 10 and all(len(r) == width for r in head)
        for row in body:
            assert len(row) == width, f"a row of {role} has {len(row)} cells for {width} columns"
            for col, (tag, attrs, _text) in enumerate(row[1:], start=1):
                assert tag == "td"
                column_headers = {h[1]["id"] for h in (head[0][col], head[-1][col])}
                assert column_headers <= set(attrs["headers"].split()), (role, col, attrs["headers"])
    main = _grid(parser.tables["matrix-main"]["body"])
    tanaka = next(r for r in main if r[0][2] == "田中 四郎")
    labels = [h[2] for h in _grid(parser.tables["matrix-main"]["head"])[-1]]
    values = dict(zip(labels[1:], [c[2] for c in tanaka[1:]]))
    assert values == {"新規": "0", "受付": "0", "対応中": "1", "回答待ち": "1", "低": "0", "中": "0", "高": "1",
                      "至急": "1", "計": "2"}
