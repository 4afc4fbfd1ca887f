"""What a served dashboard shows a reader, read in the browser (for the language and link tests).

Panel and Bokeh render every component in its own shadow root, so ``page.inner_text("body")``
misses most of the page: :data:`PAGE_TEXT_JS` walks the shadow roots. Plot titles, axis labels,
legends and tick labels are drawn on canvas: :data:`MODEL_TEXT_JS` reads them from the Bokeh
models on the page (:data:`MODELS_JS`: those its roots reference; ``all_models`` keeps replaced
ones for a while), with every other text property a model has (widget titles and options, tab
titles, hover tooltips, Markdown/HTML panes).
"""
from __future__ import annotations

import re
import time

HAN = re.compile(r"[\u3400-\u9fff]")
RENDER_TIMEOUT_S = 120.0
LANGUAGE_NAMES = {"中文", "English"}  # the language switch names each language in itself

MODELS_JS = "[...new Set(Bokeh.documents[0].roots().flatMap(root => [...root.references()]))]"
PAGE_TEXT_JS = """() => { const out = [];
  const walk = node => {
    if (node.nodeType === Node.TEXT_NODE) { const text = node.textContent.trim(); if (text) out.push(text); return; }
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;
    if (node.nodeType === Node.ELEMENT_NODE && ['STYLE', 'SCRIPT', 'TEMPLATE'].includes(node.tagName)) return;
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(document.body); return out; }"""

# the text-bearing properties of Bokeh and Panel models (a model's other strings are code, CSS,
# names of data columns)
MODEL_TEXT_JS = """() => {
  const names = ['text', 'axis_label', 'title', 'label', 'labels', 'options', 'tooltips', 'placeholder',
                 'factors', 'major_label_overrides', 'description'];
  const out = [];
  for (const model of """ + MODELS_JS + """) {
    for (const name of names) {
      if (!(name in model.properties)) continue;
      let value = model.properties[name].get_value();
      if (value == null || (typeof value === 'object' && 'id' in value && 'type' in value)) continue;
      if (value instanceof Map) value = Object.fromEntries(value);
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      if (text && text !== '""' && text !== '[]' && text !== '{}') out.push(model.type + '.' + name + ': ' + text);
    }
  }
  return out; }"""

# every label or slider title of the sidebar's widgets that is cut off (scrollWidth > clientWidth),
# and every select whose option texts do not fit its box
CUT_OFF_JS = """() => { const cut = [];
  const canvas = document.createElement('canvas').getContext('2d');
  const walk = (node, inside) => {
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;
    const here = inside || !!(node.classList && node.classList.contains('kv-sidebar'));
    if (here && node.nodeType === Node.ELEMENT_NODE && node.getClientRects().length) {
      const text = node.textContent.trim();
      if ((node.tagName === 'LABEL' || node.classList.contains('bk-slider-title')) && text
          && node.scrollWidth > node.clientWidth + 1) cut.push(text + ` (${node.scrollWidth} > ${node.clientWidth} px)`);
      if (node.tagName === 'SELECT') {
        const style = getComputedStyle(node);
        canvas.font = style.font;
        const room = node.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        for (const option of node.options) {
          const width = canvas.measureText(option.text).width;
          if (width > room + 1) cut.push(`option "${option.text}" (${Math.round(width)} > ${Math.round(room)} px)`);
        }
      }
    }
    if (node.shadowRoot) walk(node.shadowRoot, here);
    for (const child of node.children || []) walk(child, here);
  };
  walk(document.body, false); return cut; }"""

# the error area's text (an Alert inside the page's shadow roots, its host of class kv-error)
ERROR_TEXT_JS = """() => { const texts = [];
  const walk = (node, inside) => {
    if (node.nodeType === Node.TEXT_NODE) { if (inside) texts.push(node.textContent); return; }
    if (node.nodeType === Node.ELEMENT_NODE && ['STYLE', 'SCRIPT'].includes(node.tagName)) return;
    const here = inside || !!(node.classList && node.classList.contains('kv-error'));
    if (node.shadowRoot) walk(node.shadowRoot, here);
    for (const child of node.childNodes || []) walk(child, here);
  };
  walk(document.body, false);
  return texts.join(' ').replace(/\\s+/g, ' ').trim(); }"""


def wait_for(condition, what: str, page, timeout_s: float = 60.0, poll_s: float = 0.2):
    """``condition()``'s first truthy value; a test failure naming ``what`` after ``timeout_s``."""
    import pytest

    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            problems = page.recorder.problems() if hasattr(page, "recorder") else ""
            pytest.fail(f"{what} did not happen within {timeout_s:.0f} s\n{problems}", pytrace=False)
        time.sleep(poll_s)


def wait_drawn(page, timeout_s: float = RENDER_TIMEOUT_S) -> None:
    """Wait until the page's main plot is visible and every other plot of its first build is
    drawn (the frame draws those after the first paint, then shows ``.kv-ready``)."""
    page.locator(".kv-main-plot canvas").first.wait_for(state="visible", timeout=timeout_s * 1000)
    page.locator(".kv-ready").first.wait_for(state="attached", timeout=timeout_s * 1000)


def open_dashboard(page, url: str) -> None:
    """Load ``url`` and wait until its plots are drawn and the document is idle."""
    page.goto(url, wait_until="load", timeout=RENDER_TIMEOUT_S * 1000)
    wait_drawn(page)
    wait_for(lambda: page.evaluate("Bokeh.documents.length > 0 && Bokeh.documents[0].is_idle"),
             "the document becoming idle", page, RENDER_TIMEOUT_S)


def settle(page, quiet_s: float = 1.5, timeout_s: float = 60.0) -> None:
    """Wait until no model of the page has changed for ``quiet_s`` (the server's answer to the last
    action, and what it brings into view, has arrived)."""
    page.evaluate("""() => { if (window._kvChanged === undefined) {
        window._kvChanged = performance.now();
        Bokeh.documents[0].on_change(() => { window._kvChanged = performance.now(); }); } }""")
    wait_for(lambda: page.evaluate(f"performance.now() - window._kvChanged > {quiet_s * 1000}"),
             "the page settling", page, timeout_s)


def shown_texts(page) -> list[str]:
    """Every text of the page: its DOM through the shadow roots, and its models' texts."""
    return page.evaluate(PAGE_TEXT_JS) + page.evaluate(MODEL_TEXT_JS)


def open_every_tab(page) -> int:
    """Click every tab header of the page in turn (a dynamic tab sends its content only when
    opened), waiting for each to settle; return how many there were."""
    tabs = page.locator(".bk-tab")
    count = tabs.count()
    for index in range(count):
        tabs.nth(index).click()
        settle(page)
    return count


def cut_off_labels(page) -> list[str]:
    """The sidebar's labels, slider titles and select options that do not fit their box."""
    return page.evaluate(CUT_OFF_JS)


def error_text(page) -> str:
    return page.evaluate(ERROR_TEXT_JS)


def switch_language(page, name: str) -> None:
    """Press the language switch's button ``name`` ("中文" or "English") and let the page settle."""
    page.get_by_role("button", name=name, exact=True).first.click()
    settle(page)
