"""Made for a talk: links that reproduce a view, the Share panel with its QR code, presenter mode, the 30-second guide.

Every page's controls live in the URL: a page creates each control through `bound(...)`, which
passes Streamlit's own `bind="query-params"` (the control is read from the URL on load and
written back on change, the widget key being the parameter's name) and remembers the
control's URL form, so that `share_panel()` can show the link of the view on screen and a QR
code of it for the audience to scan. Presenter mode (`?present=1`, or the toggle in the page
header) makes the type larger, starts with the sidebar collapsed and folds explanations
(`explain(...)`), so that each page's key result fits the first screen of a projector.

Like the rest of `cnnrnn.core.ui`, this module knows no task.
Everything it keeps is per session (`st.session_state`): many sessions share one server.
"""

from __future__ import annotations

import io
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import segno
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

BIND = "query-params"  # Streamlit's binding of a widget to the URL parameter named by its key
PRESENT = "present"  # ?present=1: presenter mode
_PRESENT_STATE = "talk_present"  # the session's presenter mode (kept across pages)
_PRESENT_TOGGLE = "talk_present_toggle"
_PARAMS = "talk_share_params"  # this run's controls: key -> URL form
_PAGE_PATH = "talk_page_path"  # the url path of the page being run (set by the navigation)
LOCAL_BASE = "http://localhost:8501"  # where `streamlit run` serves when the browser's address is unknown
MAX_PARAM_CHARS = 400  # a longer text stays out of the link (a QR code holds about 2,300 characters at level M)
QR_ERROR = "m"  # QR error correction: about 15% of the code may be unreadable (a projector's glare)

PRESENTER_CSS = """
<style>
  html { font-size: 19px; }
  .stMainBlockContainer { padding-top: 3.6rem; padding-bottom: 2rem; max-width: 100%; }
  h1 { font-size: 2.0rem !important; padding-bottom: 0.2rem !important; }
  [data-testid="stMetricValue"] { font-size: 2.6rem; }
</style>
"""
PHONE_CSS = """
<style>
  /* Phones: nothing wider than the screen (long code lines, wide tables and charts scroll inside). */
  @media (max-width: 640px) {
    .stMainBlockContainer { padding-left: 0.8rem; padding-right: 0.8rem; }
    [data-testid="stCode"] pre, [data-testid="stDataFrame"] { max-width: calc(100vw - 1.6rem); }
    [data-testid="stVegaLiteChart"] { max-width: 100%; overflow-x: auto; }
  }
</style>
"""


# --- Controls in the URL ------------------------------------------------------------------------------


def url_form(value, format_func=None) -> str:
    """How Streamlit's query-parameter binding writes a control's value: its label, its number, true/false."""
    if format_func is not None:
        return str(format_func(value))
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if value == round(value, 6) else repr(value)
    return str(value)


def remember(key: str, value, format_func=None) -> None:
    """Record a control's value for the share link (a page's `bound` does this for each control)."""
    st.session_state.setdefault(_PARAMS, {})[key] = url_form(value, format_func)


def bound(widget, label: str, *args, key: str, format_func=None, **kwargs):
    """`widget(label, *args, key=key, bind="query-params", ...)`, remembered for the share link.

    `widget` is any Streamlit input that takes `bind` (st.selectbox, st.sidebar.slider, a column's
    radio, ...). The key is the URL parameter's name; an invalid value in a URL is ignored and the
    control keeps its default. Returns what the widget returns.
    """
    if format_func is not None:
        kwargs["format_func"] = format_func
    value = widget(label, *args, key=key, bind=BIND, **kwargs)
    remember(key, value, format_func)
    return value


def lazy_tabs(names: list[str], key: str):
    """`st.tabs` of which only the open tab's content runs: a tab's click reruns the page (or its fragment),
    and a page draws into a tab only when its `.open` is true. The open tab is bound to the URL parameter
    `key` and travels in the share link. Returns the tabs' containers."""
    tabs = st.tabs(names, key=key, bind=BIND, on_change="rerun")
    remember(key, next((name for name, tab in zip(names, tabs) if tab.open), names[0]))
    return tabs


def share_params() -> dict[str, str]:
    """This run's controls as URL parameters (key -> value), presenter mode included when on.

    A value longer than MAX_PARAM_CHARS (a pasted essay) is left out: the link keeps the others.
    """
    params = {key: value for key, value in st.session_state.get(_PARAMS, {}).items() if len(value) <= MAX_PARAM_CHARS}
    if presenting():
        params[PRESENT] = "1"
    return params


def left_out() -> list[str]:
    """The controls too long to travel in the link (their keys)."""
    return [key for key, value in st.session_state.get(_PARAMS, {}).items() if len(value) > MAX_PARAM_CHARS]


def page_url(path: str | None = None) -> str:
    """The address of the page being shown, without its query: the browser's, else localhost's."""
    browser = getattr(st.context, "url", None)
    if browser:
        scheme, netloc, url_path, _, _ = urlsplit(browser)
        return urlunsplit((scheme, netloc, url_path, "", ""))
    path = path if path is not None else st.session_state.get(_PAGE_PATH, "")
    return f"{LOCAL_BASE}/{path}" if path else LOCAL_BASE


def share_link(params: dict[str, str] | None = None, path: str | None = None) -> str:
    """The link that reproduces this view: the page's address and its controls' query parameters."""
    params = share_params() if params is None else params
    query = urlencode(params, quote_via=quote)
    return page_url(path) + (f"?{query}" if query else "")


def qr_png(link: str, scale: int = 6) -> bytes:
    """A QR code of `link` as PNG bytes (black on white, a 4-module quiet zone), segno's smallest version."""
    buffer = io.BytesIO()
    segno.make(link, error=QR_ERROR, micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg(link: str, scale: int = 6) -> str:
    """The same QR code as an SVG document (sharp on any projector)."""
    buffer = io.BytesIO()
    segno.make(link, error=QR_ERROR, micro=False).save(buffer, kind="svg", scale=scale, border=4, xmldecl=False)
    return buffer.getvalue().decode("utf-8")


_SLOT = "talk_share_slot"  # where the page header left room for the Share popover
_FRAGMENT_SLOT = "talk_share_slot_kept"  # the same room, kept for the reruns of a fragment that draws Share


def share_panel() -> str:
    """The Share popover: the link of the view on screen, a QR code of it, and what it keeps. Returns the link.

    Call it after the page's controls (it shows what they hold now) and before any st.stop(); it is
    drawn in the room the page header left for it (or here, on a page without that header).
    """
    link = share_link()
    slot = st.session_state.pop(_SLOT, None)
    if slot is not None:
        st.session_state[_FRAGMENT_SLOT] = slot
    elif _fragment_rerun():  # a fragment's own rerun (st.fragment): redraw the popover in the header's room
        slot = st.session_state.get(_FRAGMENT_SLOT)
    with slot if slot is not None else st.container():
        with st.popover("Share this view", icon=":material/qr_code_2:", key="talk_share"):
            st.markdown("**Open the same view elsewhere**: this link sets every control on the page as it is now.")
            st.markdown(f"<{link}>")  # an autolink: clickable, and its text is the link itself
            if left_out():
                st.caption(f"Texts over {MAX_PARAM_CHARS} characters stay out of the link; it keeps the rest.")
            try:
                st.image(qr_png(link), caption="Scan to open this view", width=220)
            except segno.DataOverflowError:
                st.caption("This link is too long for a QR code: copy it instead.")
            st.caption(
                "Uploads, drawings, photos and models trained here stay in this browser: a link carries "
                "the controls only."
            )
    return link


def _fragment_rerun() -> bool:
    """Whether this run is a fragment's own rerun (not a run of the whole page)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return bool(ctx is not None and ctx.fragment_ids_this_run)


# --- Presenter mode -----------------------------------------------------------------------------------


def _query_present() -> bool | None:
    value = st.query_params.get(PRESENT)
    if value is None:
        return None
    return value.strip().lower() in {"1", "true", "yes", "on"}


def presenting() -> bool:
    """Whether presenter mode is on: the toggle's state, else ?present=1 in the URL (False by default)."""
    if _PRESENT_STATE in st.session_state:
        return bool(st.session_state[_PRESENT_STATE])
    return bool(_query_present())


def start_session_page(page_path: str = "") -> bool:
    """Before a page runs (the entry point calls this): seed presenter mode from the URL, note the page.

    Returns whether presenter mode is on (the entry point collapses the sidebar then).
    """
    from_url = _query_present()
    if from_url is not None:
        st.session_state[_PRESENT_STATE] = from_url
    st.session_state[_PAGE_PATH] = page_path
    st.session_state[_PARAMS] = {}
    return presenting()


def _toggled() -> None:
    on = bool(st.session_state.get(_PRESENT_TOGGLE))
    st.session_state[_PRESENT_STATE] = on
    if on:
        st.query_params[PRESENT] = "1"
    else:
        st.query_params.pop(PRESENT, None)


def presenter_toggle(container=None) -> bool:
    """The "Presenter mode" toggle (kept in the URL as ?present=1); draws its larger type. Returns the mode."""
    on = presenting()
    st.session_state[_PRESENT_TOGGLE] = on
    (container or st).toggle(
        "Presenter mode",
        key=_PRESENT_TOGGLE,
        on_change=_toggled,
        help="Larger type, the sidebar collapsed and explanations folded, so that the key "
        "result fits a projector's first screen. The link gets ?present=1.",
    )
    if on:
        st.query_params[PRESENT] = "1"
        st.html(PRESENTER_CSS)
    return on


def explain(text: str, label: str = "Why") -> None:
    """An explanation under a result: a caption, or folded into an expander in presenter mode."""
    if presenting():
        with st.expander(label):
            st.caption(text)
    else:
        st.caption(text)


def guide(text: str) -> None:
    """The page's "Show this in 30 seconds" line: what to click and what to say."""
    st.markdown(f":material/timer: **Show this in 30 seconds:** {text}")


def page_chrome(summary: str, guide_text: str | None = None) -> bool:
    """Under a page's title: presenter toggle and room for the Share popover, the guide, the summary.

    The guide and the summary fold into one expander in presenter mode. Returns whether it is on.
    """
    st.html(PHONE_CSS)
    row = st.container(horizontal=True, vertical_alignment="center", gap="medium")
    with row:
        on = presenter_toggle()
        st.session_state[_SLOT] = st.empty()
    if on:  # the audience sees the result first; the presenter's notes fold away
        with st.expander("What this page shows"):
            if guide_text:
                guide(guide_text)
            st.markdown(summary)
    else:
        if guide_text:
            guide(guide_text)
        st.markdown(summary)
    return on
