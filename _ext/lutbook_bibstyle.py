"""Author-year labels in the bibliography, to match the author-year citations in the text.

The text cites as "Chatterjee [2018]" (bibtex_reference_style: author_year), but pybtex's
plain style numbers the bibliography [1], [2], ... This registers the style
``lutbook_authoryear``: plain formatting with labels such as "Chatterjee 2018",
"Arpit et al. 2017" or "Tishby & Zaslavsky 2015".
"""
from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _last_name(person):
    return " ".join(person.last_names).replace("{", "").replace("}", "")


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        """Labels in entry order; equal labels get a, b, ... ("Carlini et al. 2019a")."""
        labels = list(self._plain_labels(sorted_entries))
        seen = {}
        for label in labels:
            if labels.count(label) > 1:
                seen[label] = seen.get(label, 0) + 1
                yield f"{label}{chr(ord('a') + seen[label] - 1)}"
            else:
                yield label

    def _plain_labels(self, sorted_entries):
        for entry in sorted_entries:
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            if not people:
                names = entry.key
            elif len(people) == 1:
                names = _last_name(people[0])
            elif len(people) == 2:
                names = f"{_last_name(people[0])} & {_last_name(people[1])}"
            else:
                names = f"{_last_name(people[0])} et al."
            yield f"{names} {entry.fields.get('year', '')}".strip()


class AuthorYearStyle(PlainStyle):
    default_label_style = AuthorYearLabelStyle


def setup(app):
    register_plugin("pybtex.style.formatting", "lutbook_authoryear", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
