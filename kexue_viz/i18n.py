"""Reader-facing text in two languages. Each series keeps one :class:`TextTable`; the frame's own
strings live in :data:`FRAME_TEXT`. A missing key raises, so a typo cannot ship silently.

Code that rejects a reader's input (an upload parser, say) raises :class:`TextError`: its message
is a table entry, English for ``str()`` (code, notebooks, logs) and in the reader's language on a
dashboard page."""
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


class TextError(ValueError):
    """A rejected input whose message is the entry ``key`` of ``table`` filled with ``values``:
    ``str()`` reads it in English; :meth:`in_language` in either language."""

    def __init__(self, table: TextTable, key: str, **values):
        self.table, self.key, self.values = table, key, values
        super().__init__(self.in_language("en"))

    def in_language(self, lang: str) -> str:
        """The message in ``lang``."""
        return self.table.get(self.key, lang, **self.values)


FRAME_TEXT = TextTable({
    "lang": {"zh": "语言", "en": "Language"},
    "export": {"zh": "导出当前图", "en": "Export figure"},
    "export_format": {"zh": "导出格式", "en": "Export format"},
    # the export's choice of what to write; each view's label is its dashboard's text "export_view.<key>"
    "export_view": {"zh": "导出内容", "en": "What to export"},
    "export_view.figure": {"zh": "整幅图（主要视图合成）", "en": "Whole figure (the main views)"},
    "export_width": {"zh": "导出宽度", "en": "Export width"},  # the presets of kexue_viz.export.WIDTHS
    "export_width.column": {"zh": "博客栏宽", "en": "Blog column"},
    "export_width.slide": {"zh": "幻灯片", "en": "Slide"},
    "unknown_view": {"zh": "没有名为 {name} 的视图；可导出的视图：{views}",
                     "en": "There is no view {name}; the views are: {views}"},
    "posts": {"zh": "相关文章", "en": "Posts"},
    "parameters": {"zh": "参数", "en": "Parameters"},
    # a setting from a link or `kexue-viz export --set`: {label} is the control's label, {name}={value} as given
    "unknown_setting": {"zh": "没有名为 {name} 的参数（{name}={value}）", "en": "There is no setting {name} ({name}={value})"},
    "must_be_between": {"zh": "{label}：须在 {lo} 到 {hi} 之间，收到 {name}={value}",
                        "en": "{label} must be between {lo} and {hi}, got {name}={value}"},
    "must_be_option": {"zh": "{label}：须是 {options} 之一，收到 {name}={value}",
                       "en": "{label} must be one of {options}, got {name}={value}"},
    "must_be_integer": {"zh": "{label}：须是整数，收到 {name}={value}", "en": "{label} must be a whole number, got {name}={value}"},
    "must_be_number": {"zh": "{label}：须是数，收到 {name}={value}", "en": "{label} must be a number, got {name}={value}"},
    "must_be_boolean": {"zh": "{label}：须是 true 或 false，收到 {name}={value}",
                        "en": "{label} must be true or false, got {name}={value}"},
    "must_be_range": {"zh": "{label}：须是 {lo} 到 {hi} 之间的两个数“下限,上限”，收到 {name}={value}",
                      "en": "{label} must be two numbers 'low,high' between {lo} and {hi}, got {name}={value}"},
    "bad_value": {"zh": "{label}：值无效（{name}={value}）：{reason}", "en": "Invalid value for {label} ({name}={value}): {reason}"},
    "upload_rejected": {"zh": "上传的文件未被采用：{reason}（当前数据不变）", "en": "Upload rejected: {reason} (the current data stay)"},
    "failed": {"zh": "计算失败：{reason}（其余视图保持不变）", "en": "Computation failed: {reason} (other views unchanged)"},
    "cancel": {"zh": "取消", "en": "Cancel"},
    "busy": {"zh": "计算中…", "en": "Computing…"},
    "index_title": {"zh": "kexue_viz：科学空间的可交互图", "en": "kexue_viz: interactive figures for Scientific Spaces"},
})
