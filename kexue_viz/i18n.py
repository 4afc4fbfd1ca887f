"""Reader-facing text in two languages. Each series keeps one :class:`TextTable`; the frame's own
strings live in :data:`FRAME_TEXT`. A missing key raises, so a typo cannot ship silently."""
from __future__ import annotations

LANGUAGES = ("zh", "en")


class TextTable:
    """``key -> {"zh": ..., "en": ...}``; :meth:`get` formats with keyword arguments."""

    def __init__(self, entries: dict[str, dict[str, str]]):
        for key, texts in entries.items():
            missing = set(LANGUAGES) - set(texts)
            if missing:
                raise ValueError(f"text {key!r} lacks languages {sorted(missing)}")
        self.entries = entries

    def get(self, key: str, lang: str, **values) -> str:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; choose one of {LANGUAGES}")
        return self.entries[key][lang].format(**values) if values else self.entries[key][lang]

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def merged(self, other: "TextTable") -> "TextTable":
        return TextTable({**self.entries, **other.entries})


FRAME_TEXT = TextTable({
    "lang": {"zh": "语言", "en": "Language"},
    "export": {"zh": "导出当前图", "en": "Export figure"},
    "export_format": {"zh": "导出格式", "en": "Export format"},
    "posts": {"zh": "相关文章", "en": "Posts"},
    "parameters": {"zh": "参数", "en": "Parameters"},
    "bad_value": {"zh": "参数 {name} 的值 {value} 无效：{reason}", "en": "Invalid value {value} for {name}: {reason}"},
    "failed": {"zh": "计算失败：{reason}（其余视图保持不变）", "en": "Computation failed: {reason} (other views unchanged)"},
    "busy": {"zh": "计算中…", "en": "Computing…"},
    "index_title": {"zh": "kexue_viz：科学空间的可交互图", "en": "kexue_viz: interactive figures for Scientific Spaces"},
})
